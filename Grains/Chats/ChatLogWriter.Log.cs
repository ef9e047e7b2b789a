using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Chats;

// Logged under the chat grain's category (the grain hands the writer its logger), with the ids
// these messages always had.
internal sealed partial class ChatLogWriter
{
    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Chat {ChatId}: the log refused a write (attempt {Attempt}); reloading from the log")]
    private partial void LogWriteConflict(string chatId, int attempt, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Chat {ChatId}: writing {Count} messages failed; the senders get an error and retry")]
    private partial void LogWriteFailed(string chatId, int count, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Chat {ChatId}: {Count} sends were retries of stored messages; answered with the originals")]
    private partial void LogRetryAnswered(string chatId, int count);
}
