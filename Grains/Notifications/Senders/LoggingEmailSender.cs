using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

/// <summary>The embedded profile's mail relay: writes each email to the log instead of sending it.</summary>
public sealed partial class LoggingEmailSender(ILogger<LoggingEmailSender> logger) : IEmailSender
{
    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        LogEmail(logger, message.To, message.Subject, message.TextBody);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2142, Level = LogLevel.Information,
        Message = "Email (not sent: no relay configured) to {To}: {Subject}\n{Body}")]
    private static partial void LogEmail(ILogger logger, string to, string subject, string body);
}
