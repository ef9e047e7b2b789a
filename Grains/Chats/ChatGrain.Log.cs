using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Chats;

public sealed partial class ChatGrain
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Chat {ChatId}: publishing {EventType} failed; devices catch up by replay")]
    private partial void LogPublishFailed(string chatId, string eventType, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Chat {ChatId}: the log refused a write (attempt {Attempt}); reloading from the log")]
    private partial void LogWriteConflict(string chatId, int attempt, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Chat {ChatId}: writing {Count} messages failed; the senders get an error and retry")]
    private partial void LogWriteFailed(string chatId, int count, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Chat {ChatId}: moving the read position of sender {UserId} failed")]
    private partial void LogReadMoveFailed(string chatId, string userId, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Chat {ChatId}: {Count} sends were retries of stored messages; answered with the originals")]
    private partial void LogRetryAnswered(string chatId, int count);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Chat {ChatId}: handing a batch to the notification pipeline failed")]
    private partial void LogAlertsFailed(string chatId, Exception exception);
}
