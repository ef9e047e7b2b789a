using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

/// <summary>The embedded profile's mail relay: logs that an email would be sent instead of sending it.</summary>
/// <remarks>
/// The address, the subject and the body (which quotes messages when previews are on) never
/// reach the log, at any level: only their lengths, enough to see the pipeline work.
/// </remarks>
public sealed partial class LoggingEmailSender(ILogger<LoggingEmailSender> logger) : IEmailSender
{
    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        LogEmail(logger, message.Subject.Length, message.TextBody.Length);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2142, Level = LogLevel.Information,
        Message = "Email (not sent: no relay configured): subject {SubjectLength} and body {BodyLength} characters")]
    private static partial void LogEmail(ILogger logger, int subjectLength, int bodyLength);
}
