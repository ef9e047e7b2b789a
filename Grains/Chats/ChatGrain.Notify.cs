using ChatOrleans.Grains.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Handing a written batch to the notification pipeline. The chat decides who an alert is for,
/// because it knows the members and the levels they chose; it then makes one one-way call per
/// recipient (never awaited: the send path does not wait for notifications).
/// </summary>
/// <remarks>
/// Levels: a member's chosen level wins; otherwise direct chats and groups up to
/// <see cref="NotificationOptions.LargeGroupThreshold"/> members alert on <c>all</c>, larger
/// groups on <c>mentions</c>. So a plain message in a 100,000-member channel contacts only the
/// members who chose <c>all</c>, and a mention only the (at most <c>Chat:MaxMentions</c>)
/// mentioned members: never one call per member. Muted (<c>none</c>) members are never contacted.
/// </remarks>
public sealed partial class ChatGrain
{
    private NotificationOptions? _notificationOptions;

    private NotificationOptions NotificationOptions =>
        _notificationOptions ??= ServiceProvider.GetService<IOptions<NotificationOptions>>()?.Value ?? new NotificationOptions();

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

    private void StartAlerts(IReadOnlyList<ChatMessage> written)
    {
        try
        {
            var large = State.Kind == ChatKind.Group && _members.Count > NotificationOptions.LargeGroupThreshold;
            var defaultLevel = large ? NotificationLevel.Mentions : NotificationLevel.All;
            var alert = new ChatAlert(
                ChatId,
                State.Kind,
                State.Kind == ChatKind.Group ? State.Name : null,
                written.Select(m => new AlertItem(m.Seq, m.SenderId, m.Text, m.Mentions, m.CreatedAt)).ToList());

            // Senders of every message in the batch have nothing of their own to hear about;
            // a mentioned member is contacted at any level but none.
            var onlySender = written.Select(m => m.SenderId).Distinct().ToList() is { Count: 1 } senders ? senders[0] : null;
            var mentioned = new HashSet<string>(written.SelectMany(m => m.Mentions.Where(id => id != m.SenderId)), StringComparer.Ordinal);

            IEnumerable<string> candidates = large
                ? mentioned.Concat(_members.WhoChose(NotificationLevel.All)).Distinct()
                : _members.Ids;
            foreach (var userId in candidates)
            {
                if (userId == onlySender || !_members.Contains(userId))
                {
                    continue;
                }

                var level = _members.ChosenLevel(userId) ?? defaultLevel;
                if (level == NotificationLevel.None || (level == NotificationLevel.Mentions && !mentioned.Contains(userId)))
                {
                    continue;
                }

                _ = InboxRefs[userId].Alert(alert, level == NotificationLevel.Mentions);
            }
        }
        catch (Exception ex)
        {
            // Notifications are best effort next to the message itself, which is stored and acked.
            LogAlertsFailed(ChatId, ex);
        }
    }
}
