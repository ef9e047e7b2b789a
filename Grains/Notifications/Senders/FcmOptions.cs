using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Firebase Cloud Messaging, HTTP v1 API (configuration section <c>Notifications:Fcm</c>).
/// Set <see cref="ServiceAccountPath"/> to use it; until then Android pushes are only logged.
/// </summary>
public sealed class FcmOptions : IValidatableObject
{
    public const string SectionName = NotificationSenderOptions.SectionName + ":Fcm";

    /// <summary>The FCM API's base address.</summary>
    public Uri Endpoint { get; set; } = new("https://fcm.googleapis.com");

    /// <summary>The service-account key file (JSON) of the Firebase project, with the messaging permission.</summary>
    public string? ServiceAccountPath { get; set; }

    /// <summary>The Firebase project; by default the service account's <c>project_id</c>.</summary>
    public string? ProjectId { get; set; }

    /// <summary>Google's OAuth 2.0 token endpoint; by default the service account's <c>token_uri</c>.</summary>
    public Uri? TokenUri { get; set; }

    /// <summary>How long before its expiry an access token is replaced.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long FCM keeps a message for an offline device.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The longest one request may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(ServiceAccountPath);

    internal string? Problem() =>
        File.Exists(ServiceAccountPath) ? null : $"Notifications:Fcm:ServiceAccountPath: no file at {ServiceAccountPath}";

    /// <summary>An unconfigured service is only logged, so its settings are checked only once it is configured.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (IsConfigured && Problem() is { } problem)
        {
            yield return new ValidationResult(problem);
        }
    }
}

/// <summary>Checks <see cref="FcmOptions"/> when the host starts.</summary>
[OptionsValidator]
public sealed partial class FcmOptionsValidator : IValidateOptions<FcmOptions>;
