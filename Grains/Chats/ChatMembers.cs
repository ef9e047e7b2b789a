namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Who is in one chat: the members in join order and the alert levels they chose, as the grain
/// state stores them (<see cref="ChatState.Members"/>, <see cref="ChatState.AlertLevels"/>), with
/// the lookup by id that every call makes. Membership changes only here, so the stored list and
/// the lookup cannot drift apart; the grain writes its state after each change.
/// </summary>
internal sealed class ChatMembers
{
    private readonly List<ChatMember> _joined;
    private readonly Dictionary<string, NotificationLevel> _alertLevels;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>Wraps the state's own collections (not copies): changes here are what the next state write stores.</summary>
    public ChatMembers(ChatState state)
    {
        _joined = state.Members;
        _alertLevels = state.AlertLevels;
        foreach (var member in _joined)
        {
            _ids.Add(member.UserId);
        }
    }

    public int Count => _ids.Count;

    /// <summary>Members in join order, ties in the order given at creation.</summary>
    public IReadOnlyList<ChatMember> InJoinOrder => _joined;

    /// <summary>Member ids, in no particular order.</summary>
    public IReadOnlyCollection<string> Ids => _ids;

    /// <summary>The earliest remaining member (the owner's successor), or null when nobody is left.</summary>
    public string? Earliest => _joined.Count > 0 ? _joined[0].UserId : null;

    public bool Contains(string userId) => _ids.Contains(userId);

    /// <summary>The ids that are not members yet, each once, in the order given.</summary>
    public List<string> Newcomers(IEnumerable<string> userIds)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return userIds.Where(id => seen.Add(id) && !_ids.Contains(id)).ToList();
    }

    /// <summary>Adds the users who are not members yet, in the order given; returns the count added.</summary>
    public int Add(IEnumerable<string> userIds, DateTimeOffset joinedAt)
    {
        var added = 0;
        foreach (var id in userIds)
        {
            if (_ids.Add(id))
            {
                _joined.Add(new ChatMember(id, joinedAt));
                added++;
            }
        }

        return added;
    }

    /// <summary>Removes a member and the alert level they chose; false when they were not a member.</summary>
    public bool Remove(string userId)
    {
        if (!_ids.Remove(userId))
        {
            return false;
        }

        _joined.RemoveAll(m => m.UserId == userId);
        _alertLevels.Remove(userId);
        return true;
    }

    /// <summary>The level a member chose for this chat, or null when they kept the default.</summary>
    public NotificationLevel? ChosenLevel(string userId) =>
        _alertLevels.TryGetValue(userId, out var level) ? level : null;

    /// <summary>Members who chose <paramref name="level"/>.</summary>
    public IEnumerable<string> WhoChose(NotificationLevel level) =>
        _alertLevels.Where(l => l.Value == level).Select(l => l.Key);

    /// <summary>Records a member's chosen level; false (nothing to store) for a non-member or an unchanged level.</summary>
    public bool ChooseLevel(string userId, NotificationLevel level)
    {
        if (!_ids.Contains(userId) || (_alertLevels.TryGetValue(userId, out var current) && current == level))
        {
            return false;
        }

        _alertLevels[userId] = level;
        return true;
    }
}
