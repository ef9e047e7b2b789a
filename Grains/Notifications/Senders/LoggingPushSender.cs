using Microsoft.Extensions.Logging;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// The embedded profile's push "service": writes what would be sent to the log and reports it
/// delivered, so that the notification pipeline runs end to end without credentials.
/// </summary>
public sealed partial class LoggingPushSender(PushPlatform platform, ILogger<LoggingPushSender> logger) : IPushSender
{
    public PushPlatform Platform { get; } = platform;

    public Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        LogPush(logger, Platform, Abbreviate(token.Token), message.ChatId, message.Seq, message.Badge, message.Silent, message.Title, message.Body);
        return Task.FromResult(PushOutcome.Delivered);
    }

    /// <summary>Enough of a token to tell devices apart in the log, not enough to push to them.</summary>
    private static string Abbreviate(string token) => token.Length <= 12 ? token : token[..8] + "…";

    [LoggerMessage(EventId = 2141, Level = LogLevel.Information,
        Message = "Push ({Platform}, not sent: no credentials configured) to {Token}: chat {ChatId} seq {Seq} badge {Badge} silent {Silent}: {Title}: {Body}")]
    private static partial void LogPush(ILogger logger, PushPlatform platform, string token, string? chatId, long? seq, int badge, bool silent, string? title, string? body);
}
