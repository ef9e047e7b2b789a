using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>How the connection to the mail relay is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text throughout: only for a relay on the same host or a trusted network.</summary>
    None,

    /// <summary>Connect in plain text, then upgrade with STARTTLS; refuse a relay that cannot (usually port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}

/// <summary>
/// The mail relay for email notifications (configuration section <c>Notifications:Smtp</c>).
/// Set <see cref="Host"/> to use it; until then emails are only logged.
/// </summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string SectionName = NotificationSenderOptions.SectionName + ":Smtp";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Login at the relay; leave empty for a relay that takes mail without one.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender address, e.g. <c>notifications@example.com</c>.</summary>
    public string? From { get; set; }

    /// <summary>The sender's display name.</summary>
    public string FromName { get; set; } = "ChatOrleans";

    /// <summary>The longest any one step (connect, login, send) may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    internal string? Problem()
    {
        if (string.IsNullOrWhiteSpace(From) || !MimeKit.MailboxAddress.TryParse(From, out _))
        {
            return "Notifications:Smtp:From must be an email address";
        }

        if (Port is <= 0 or > 65535)
        {
            return "Notifications:Smtp:Port must be a TCP port";
        }

        return string.IsNullOrEmpty(Username) == string.IsNullOrEmpty(Password)
            ? null
            : "Notifications:Smtp needs both Username and Password, or neither";
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

/// <summary>Checks <see cref="SmtpOptions"/> when the host starts.</summary>
[OptionsValidator]
public sealed partial class SmtpOptionsValidator : IValidateOptions<SmtpOptions>;
