using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Apple Push Notification service with token-based authentication (configuration section
/// <c>Notifications:Apns</c>). Set <see cref="TeamId"/> to use it; until then iOS pushes are only logged.
/// </summary>
public sealed class ApnsOptions : IValidatableObject
{
    public const string SectionName = NotificationSenderOptions.SectionName + ":Apns";

    /// <summary>Production <c>https://api.push.apple.com</c>; development <c>https://api.sandbox.push.apple.com</c>.</summary>
    public Uri Endpoint { get; set; } = new("https://api.push.apple.com");

    /// <summary>The 10-character team id of the Apple developer account (the JWT's <c>iss</c>).</summary>
    public string? TeamId { get; set; }

    /// <summary>The 10-character id of the APNs auth key (the JWT's <c>kid</c>).</summary>
    public string? KeyId { get; set; }

    /// <summary>Path of the <c>AuthKey_XXXXXXXXXX.p8</c> file downloaded from the developer account.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The .p8 key itself (PEM, or its base64 body), e.g. from a secret store; wins over <see cref="PrivateKeyPath"/>.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>The app's bundle id, sent as <c>apns-topic</c>.</summary>
    public string? BundleId { get; set; }

    /// <summary>How long APNs keeps trying to deliver to an offline device (<c>apns-expiration</c>).</summary>
    public TimeSpan Expiration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Age at which the provider token is replaced. Apple refuses tokens older than an hour and
    /// throttles tokens renewed more often than every 20 minutes.
    /// </summary>
    public TimeSpan TokenRefresh { get; set; } = TimeSpan.FromMinutes(50);

    /// <summary>The longest one request may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(TeamId);

    internal string? Problem()
    {
        if (string.IsNullOrWhiteSpace(KeyId))
        {
            return "Notifications:Apns:KeyId is required";
        }

        if (string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath))
        {
            return "Notifications:Apns needs PrivateKey or PrivateKeyPath (the .p8 auth key)";
        }

        if (string.IsNullOrWhiteSpace(BundleId))
        {
            return "Notifications:Apns:BundleId is required (the apns-topic)";
        }

        return null;
    }

    /// <summary>An unconfigured service is only logged, so its settings are checked only once it is configured.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (IsConfigured && Problem() is { } problem)
        {
            yield return new ValidationResult(problem);
        }
    }
}

/// <summary>Checks <see cref="ApnsOptions"/> when the host starts.</summary>
[OptionsValidator]
public sealed partial class ApnsOptionsValidator : IValidateOptions<ApnsOptions>;
