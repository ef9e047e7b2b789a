namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Handing a written batch to the notification pipeline: <see cref="AlertRecipients"/> decides who
/// an alert is for, then the chat makes one one-way call per recipient (never awaited: the send
/// path does not wait for notifications).
/// </summary>
public sealed partial class ChatGrain
{
    public async Task SetAlertLevel(string userId, NotificationLevel level)
    {
        EnsureMember(userId);
        await _stateLock.WaitAsync();
        try
        {
            if (_members.ChooseLevel(userId, level))
            {
                await _state.WriteStateAsync();
            }
        }
        finally
        {
            _stateLock.Release();
        }
    }

    /// <summary>
    /// Tells the members whose badge is kept from the batches that their count changed in a way
    /// no batch carries (a deletion, the group grew past the large-group threshold): one one-way
    /// call per such member, paid per change, never per message.
    /// </summary>
    private void TellUnreadChanged(IEnumerable<string> userIds)
    {
        try
        {
            foreach (var userId in userIds)
            {
                _ = InboxRefs[userId].UnreadChanged(ChatId);
            }
        }
        catch (Exception ex)
        {
            LogAlertsFailed(ChatId, ex);
        }
    }

    private void StartAlerts(IReadOnlyList<ChatMessage> written)
    {
        try
        {
            var recipients = AlertRecipients.Select(written, State.Kind, _members, _notificationOptions.LargeGroupThreshold);
            if (recipients.Count == 0)
            {
                return;
            }

            var alert = new ChatAlert(
                ChatId,
                State.Kind,
                State.Kind == ChatKind.Group ? State.Name : null,
                written.Select(m => new AlertItem(m.Seq, m.SenderId, m.Text, m.Mentions, m.CreatedAt)).ToList());
            foreach (var recipient in recipients)
            {
                _ = InboxRefs[recipient.UserId].Alert(alert, recipient.MentionsOnly, KeptSnapshot(recipient.UserId));
            }
        }
        catch (Exception ex)
        {
            // Notifications are best effort next to the message itself, which is stored and acked.
            LogAlertsFailed(ChatId, ex);
        }
    }
}
