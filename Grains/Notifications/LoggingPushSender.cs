using ChatOrleans.Notifications;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// The embedded default's push "service": it logs what it would send. Registered only when no
/// real sender is (see <see cref="NotificationSiloExtensions"/>).
/// </summary>
public sealed partial class LoggingPushSender(PushPlatform platform, ILogger<LoggingPushSender> logger) : IPushSender
{
    public PushPlatform Platform { get; } = platform;

    public Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        LogPush(Platform, message.Silent, message.ChatId, message.Seq, message.Badge, message.Title, message.Body);
        return Task.FromResult(PushOutcome.Delivered);
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Push ({Platform}, silent: {Silent}) chat {ChatId} seq {Seq} badge {Badge}: {Title}: {Body}")]
    private partial void LogPush(PushPlatform platform, bool silent, string? chatId, long? seq, int badge, string? title, string? body);
}
