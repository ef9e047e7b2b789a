using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

public sealed partial class WebPushSender
{
    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "Web Push: the token is not a push subscription; it is dropped")]
    private static partial void LogBadSubscription(ILogger logger);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning, Message = "The push service at {Host} refused a push: {Status} ({Outcome})")]
    private static partial void LogRefused(ILogger logger, string host, int status, PushOutcome outcome);

    [LoggerMessage(EventId = 2123, Level = LogLevel.Warning, Message = "The push service at {Host} could not be reached")]
    private static partial void LogUnreachable(ILogger logger, string host, Exception exception);

    [LoggerMessage(EventId = 2125, Level = LogLevel.Warning, Message = "Web Push: the endpoint {Host} is a loopback, private or otherwise non-public address; not sent")]
    private static partial void LogForbiddenEndpoint(ILogger logger, string host);

    [LoggerMessage(EventId = 2124, Level = LogLevel.Warning, Message = "Web Push: a {Bytes}-byte payload does not fit one record; not sent")]
    private static partial void LogTooLarge(ILogger logger, int bytes);
}
