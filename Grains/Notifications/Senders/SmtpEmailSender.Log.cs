using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

public sealed partial class SmtpEmailSender
{
    [LoggerMessage(EventId = 2131, Level = LogLevel.Debug, Message = "Email handed to the relay {Host}")]
    private static partial void LogSent(ILogger logger, string host);
}
