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
    /// One way: pending alerts of what is now read are dropped, and devices that were pushed a
    /// badge get the new one. The read path does not wait for it.
    /// </summary>
    private void TellReadMoved(ReadState readState) =>
        _ = Inbox.ReadMoved(readState);
}
