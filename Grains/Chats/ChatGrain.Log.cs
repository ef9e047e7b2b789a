using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Chats;

public sealed partial class ChatGrain
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Chat {ChatId}: publishing {EventType} failed; devices catch up by replay")]
    private partial void LogPublishFailed(string chatId, string eventType, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Chat {ChatId}: moving the read position of sender {UserId} failed")]
    private partial void LogReadMoveFailed(string chatId, string userId, Exception exception);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Chat {ChatId}: a send failed")]
    private partial void LogSendFailed(string chatId, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Chat {ChatId}: handing a batch to the notification pipeline failed")]
    private partial void LogAlertsFailed(string chatId, Exception exception);
}
