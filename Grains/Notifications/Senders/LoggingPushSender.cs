using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// The embedded profile's push "service": logs that a push would be sent and reports it
/// delivered, so that the notification pipeline runs end to end without credentials.
/// </summary>
/// <remarks>
/// Only ids, counts and lengths reach the log: a push's title and body carry the sender's name
/// and the message text, and the token is the device's address; logs are read by more people
/// than the chats are, so neither is written at any level.
/// </remarks>
public sealed partial class LoggingPushSender(PushPlatform platform, ILogger<LoggingPushSender> logger) : IPushSender
{
    public PushPlatform Platform { get; } = platform;

    public Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        LogPush(logger, Platform, message.ChatId, message.Seq, message.Badge, message.Silent, message.Title?.Length ?? 0, message.Body?.Length ?? 0);
        return Task.FromResult(PushOutcome.Delivered);
    }

    [LoggerMessage(EventId = 2141, Level = LogLevel.Information,
        Message = "Push ({Platform}, not sent: no credentials configured): chat {ChatId} seq {Seq} badge {Badge} silent {Silent}, title {TitleLength} and body {BodyLength} characters")]
    private static partial void LogPush(ILogger logger, PushPlatform platform, string? chatId, long? seq, int badge, bool silent, int titleLength, int bodyLength);
}
