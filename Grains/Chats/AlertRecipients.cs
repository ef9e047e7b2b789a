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
/// never one per member. Muted (<c>none</c>) members are never selected.
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

            var level = members.ChosenLevel(userId) ?? defaultLevel;
            if (level == NotificationLevel.None || (level == NotificationLevel.Mentions && !mentioned.Contains(userId)))
            {
                continue;
            }

            recipients.Add(new AlertRecipient(userId, MentionsOnly: level == NotificationLevel.Mentions));
        }

        return recipients;
    }
}
