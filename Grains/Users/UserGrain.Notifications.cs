using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Users;

/// <summary>What the user grain tells the notification pipeline.</summary>
public sealed partial class UserGrain
{
    /// <summary>
    /// The chat keeps the levels its members chose, so that it contacts only the members an
    /// alert is for. Told before the user's own entry changes: a failure leaves both as they were.
    /// </summary>
    private Task TellChatLevelChosen(string chatId, NotificationLevel level) =>
        ChatRefs[chatId].SetAlertLevel(UserId, level);

    /// <summary>
    /// The pipeline keeps the user's badge over the chats they are in and the levels they chose;
    /// it reads the whole list again after its own restart, so a failure here costs no more than a
    /// stale badge until then, and the change itself stands.
    /// </summary>
    private async Task TellChatListChanged(string chatId, NotificationLevel? level)
    {
        try
        {
            await Inbox.ChatListChanged(chatId, level);
        }
        catch (Exception ex)
        {
            LogChatListChangeFailed(chatId, ex);
        }
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Telling the notification pipeline that chat {ChatId} changed in the user's list failed; the badge may lag until it restarts")]
    private partial void LogChatListChangeFailed(string chatId, Exception exception);
}
