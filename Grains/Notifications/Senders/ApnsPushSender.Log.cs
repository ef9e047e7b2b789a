using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

public sealed partial class ApnsPushSender
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "APNs: new provider token for key {KeyId}")]
    private static partial void LogTokenIssued(ILogger logger, string keyId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "APNs refused a push: {Status} {Reason} ({Outcome})")]
    private static partial void LogRefused(ILogger logger, int status, string reason, PushOutcome outcome);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "APNs at {Endpoint} could not be reached")]
    private static partial void LogUnreachable(ILogger logger, Uri endpoint, Exception exception);
}
