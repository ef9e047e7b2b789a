using ChatOrleans.Notifications;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Notifications;

/// <summary>The embedded default's mail relay: it logs what it would send.</summary>
public sealed partial class LoggingEmailSender(ILogger<LoggingEmailSender> logger) : IEmailSender
{
    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        LogEmail(message.To, message.Subject, message.TextBody);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Email to {To}: {Subject}\n{Body}")]
    private partial void LogEmail(string to, string subject, string body);
}
