using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults.Notifications;

/// <summary>
/// Web Push with VAPID (configuration section <c>Notifications:WebPush</c>). Set
/// <see cref="Subject"/> and either both keys or <see cref="KeyFile"/> to use it; until then
/// browser pushes are only logged.
/// </summary>
public sealed class WebPushOptions : IValidatableObject
{
    /// <summary>Under the <c>Notifications</c> section of the senders (<c>NotificationSenderOptions</c>, silo-side).</summary>
    public const string SectionName = "Notifications:WebPush";

    /// <summary>How push services can reach the operator: <c>mailto:ops@example.com</c> or an https URL (the VAPID <c>sub</c>).</summary>
    public string? Subject { get; set; }

    /// <summary>The application server's P-256 public key, uncompressed point in base64url (65 bytes). Browsers subscribe with it.</summary>
    public string? PublicKey { get; set; }

    /// <summary>The matching private key, base64url (32 bytes).</summary>
    public string? PrivateKey { get; set; }

    /// <summary>
    /// Where to keep a generated key pair when no keys are configured: created on first start and
    /// read afterwards. Every silo of a cluster needs the same pair, so share the file or set the keys.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>How long the push service keeps a message for an offline browser (the TTL header).</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The longest one request may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Lets subscriptions point at loopback, private and link-local addresses, and lifts the
    /// check of the addresses a push connects to. Off: a push service is on the public internet,
    /// and a client-chosen endpoint inside the server's network is how a request forgery gets
    /// in. Only for tests and labs whose push service runs on the local network.
    /// </summary>
    public bool AllowPrivateNetworkEndpoints { get; set; }

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Subject);

    internal string? Problem()
    {
        if (!Subject!.StartsWith("mailto:", StringComparison.Ordinal) && !Subject.StartsWith("https://", StringComparison.Ordinal))
        {
            return "Notifications:WebPush:Subject must be a mailto: or https: URI";
        }

        var hasKeys = !string.IsNullOrWhiteSpace(PublicKey) && !string.IsNullOrWhiteSpace(PrivateKey);
        return hasKeys || !string.IsNullOrWhiteSpace(KeyFile)
            ? null
            : "Notifications:WebPush needs PublicKey and PrivateKey, or a KeyFile to keep generated ones in";
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

/// <summary>Checks <see cref="WebPushOptions"/> when the host starts.</summary>
[OptionsValidator]
public sealed partial class WebPushOptionsValidator : IValidateOptions<WebPushOptions>;
