namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Who hears of a written batch, and whether only for a mention. The chat decides, because it
/// knows the members and the levels they chose.
/// </summary>
/// <remarks>
/// Levels: a member's chosen level wins; otherwise direct chats and groups up to the large-group
/// threshold (<c>Notifications:LargeGroupThreshold</c>) alert on <c>all</c>, larger groups on
/// <c>mentions</c>. So a plain message in a 100,000-member channel selects only the members who
/// chose <c>all</c>, and a mention only the (at most <c>Chat:MaxMentions</c>) mentioned members:
/// never one per member. Muted (<c>none</c>) members are never selected. In chats up to the
/// threshold a member at <c>mentions</c> is selected for every batch (with only their mentions
/// to alert of), so that every member's unread count can be kept from the batches.
/// </remarks>
internal static class AlertRecipients
{
    public static List<AlertRecipient> Select(
        IReadOnlyList<ChatMessage> written, ChatKind kind, ChatMembers members, int largeGroupThreshold)
    {
        var large = kind == ChatKind.Group && members.Count > largeGroupThreshold;
        var defaultLevel = large ? NotificationLevel.Mentions : NotificationLevel.All;

        // The sender of every message in the batch has nothing of their own to hear about; a
        // mentioned member is selected at any level but none, and never for their own mention.
        var onlySender = written.Select(m => m.SenderId).Distinct().ToList() is { Count: 1 } senders ? senders[0] : null;
        var mentioned = new HashSet<string>(written.SelectMany(m => m.Mentions.Where(id => id != m.SenderId)), StringComparer.Ordinal);

        IEnumerable<string> candidates = large
            ? mentioned.Concat(members.WhoChose(NotificationLevel.All)).Distinct()
            : members.Ids;
        var recipients = new List<AlertRecipient>();
        foreach (var userId in candidates)
        {
            if (userId == onlySender || !members.Contains(userId))
            {
                continue;
            }

            // In a group up to the threshold every member but the muted hears of every batch, a
            // mention or not: their unread count (and badge) is kept from these alerts.
            var level = members.ChosenLevel(userId) ?? defaultLevel;
            if (level == NotificationLevel.None || (large && level == NotificationLevel.Mentions && !mentioned.Contains(userId)))
            {
                continue;
            }

            recipients.Add(new AlertRecipient(userId, MentionsOnly: level == NotificationLevel.Mentions));
        }

        return recipients;
    }

    /// <summary>
    /// Whether <paramref name="userId"/> hears of every batch the chat writes (their own aside):
    /// every member not muted in a chat up to the threshold, and in a larger group those who chose
    /// <c>all</c>. Their unread count can be kept from the alerts; others' is counted when asked.
    /// </summary>
    public static bool HearsEveryBatch(string userId, ChatKind kind, ChatMembers members, int largeGroupThreshold)
    {
        var large = kind == ChatKind.Group && members.Count > largeGroupThreshold;
        var level = members.ChosenLevel(userId) ?? (large ? NotificationLevel.Mentions : NotificationLevel.All);
        return level == NotificationLevel.All || (!large && level == NotificationLevel.Mentions);
    }

    /// <summary>The members who hear of every batch (see <see cref="HearsEveryBatch"/>).</summary>
    public static IEnumerable<string> EveryBatchMembers(ChatKind kind, ChatMembers members, int largeGroupThreshold) =>
        kind == ChatKind.Group && members.Count > largeGroupThreshold
            ? members.WhoChose(NotificationLevel.All)
            : members.Ids.Where(id => members.ChosenLevel(id) != NotificationLevel.None);
}
