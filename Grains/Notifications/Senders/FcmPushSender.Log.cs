using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

public sealed partial class FcmPushSender
{
    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "FCM refused a push: {Status} {Error} ({Outcome})")]
    private static partial void LogRefused(ILogger logger, int status, string error, PushOutcome outcome);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "FCM or its token endpoint could not be reached")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
