namespace ChatOrleans.Grains.Notifications;

/// <summary>
/// A user's unread count in each of their chats and the badge, kept from what the chats tell the
/// notification pipeline anyway (one alert per written batch, one snapshot per read move), so a
/// read_state costs one call here instead of one call per chat the user is in.
/// </summary>
/// <remarks>
/// Every count is an <see cref="UnreadSnapshot"/>: exact for the chat state it names. A newer one
/// replaces an older one in whatever order they arrive; two that each have something newer (a
/// batch counted against an older read position, a read move counted before that batch) make the
/// chat <em>stale</em>, and so does a batch that came without a count, a deletion, or a group that
/// grew past the large-group threshold. Stale chats, chats never counted, and chats whose members
/// hear only of some batches (large groups) are named by <see cref="NeedingCount"/> and counted
/// by the chat itself, the last at most once per refresh period. Nothing here is persisted: a new
/// activation counts each chat once.
/// </remarks>
internal sealed class UnreadLedger(TimeSpan lazyRefresh)
{
    private readonly Dictionary<string, Entry> _chats = new(StringComparer.Ordinal);

    /// <summary>Whether the user's chat list has been read since this activation started.</summary>
    public bool Loaded { get; private set; }

    /// <summary>The chats the ledger holds.</summary>
    public int Count => _chats.Count;

    /// <summary>Sums the counts of the chats whose level is not <c>none</c> (the protocol's <c>badge_count</c>).</summary>
    public int Badge
    {
        get
        {
            var badge = 0;
            foreach (var entry in _chats.Values)
            {
                if (entry.Level != NotificationLevel.None)
                {
                    badge += entry.Counted?.Count ?? 0;
                }
            }

            return badge;
        }
    }

    /// <summary>Takes in the user's chat list; what is already known of a chat is kept.</summary>
    public void Load(IEnumerable<UserChatEntry> chats)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chat in chats)
        {
            listed.Add(chat.ChatId);
            var entry = GetOrAdd(chat.ChatId, chat.Level);
            entry.Level = chat.Level;
            entry.ReadSeq = Math.Max(entry.ReadSeq, chat.LastReadSeq);
        }

        foreach (var chatId in _chats.Keys.Where(id => !listed.Contains(id)).ToList())
        {
            _chats.Remove(chatId);
        }

        Loaded = true;
    }

    /// <summary>The user joined the chat or chose a level in it (<paramref name="level"/>), or left it (<c>null</c>).</summary>
    public void ChatChanged(string chatId, NotificationLevel? level)
    {
        if (level is not { } chosen)
        {
            _chats.Remove(chatId);
        }
        else if (Loaded || _chats.ContainsKey(chatId))
        {
            // Another level changes which batches the user hears of (none while muted): count again.
            var entry = GetOrAdd(chatId, chosen);
            entry.Stale |= entry.Level != chosen;
            entry.Level = chosen;
        }
    }

    /// <summary>A count the chat made (a read move, a batch, an answer to <see cref="NeedingCount"/>).</summary>
    public void Apply(UnreadSnapshot snapshot, DateTimeOffset now)
    {
        var entry = GetOrAdd(snapshot.ChatId, NotificationLevel.All);
        entry.ReadSeq = Math.Max(entry.ReadSeq, snapshot.ReadSeq);
        if (entry.Counted is null || snapshot.Supersedes(entry.Counted))
        {
            entry.Counted = snapshot;
            entry.CountedAt = now;
            entry.Stale = snapshot.ReadSeq < entry.ReadSeq;
        }
        else if (!entry.Counted.Supersedes(snapshot))
        {
            entry.Stale = true;
        }
    }

    /// <summary>A batch up to <paramref name="lastSeq"/> was written and came without a count for this user.</summary>
    public void Uncounted(string chatId, long lastSeq)
    {
        var entry = GetOrAdd(chatId, NotificationLevel.All);
        if (entry.Counted is null || entry.Counted.LastSeq < lastSeq)
        {
            entry.Stale = true;
        }
    }

    /// <summary>Something changed the count that no batch carries (a deletion, the group grew large).</summary>
    public void Invalidate(string chatId)
    {
        if (_chats.TryGetValue(chatId, out var entry))
        {
            entry.Stale = true;
        }
    }

    /// <summary>The unread count the ledger holds for a chat, if it is current.</summary>
    public UnreadSnapshot? Current(string chatId) =>
        _chats.TryGetValue(chatId, out var entry) && !entry.Stale ? entry.Counted : null;

    /// <summary>
    /// The chats the badge needs counted now, each with the read position to count after: never
    /// counted, stale, or (groups whose members hear only of some batches) counted longer ago than
    /// the refresh period. Muted chats are not in the badge and are not counted.
    /// </summary>
    public List<(string ChatId, long ReadSeq)> NeedingCount(DateTimeOffset now)
    {
        var due = new List<(string, long)>();
        foreach (var (chatId, entry) in _chats)
        {
            if (entry.Level == NotificationLevel.None)
            {
                continue;
            }

            if (entry.Counted is null || entry.Stale || (!entry.Counted.EveryBatch && now - entry.CountedAt >= lazyRefresh))
            {
                due.Add((chatId, entry.ReadSeq));
            }
        }

        return due;
    }

    /// <summary>The chat is no longer the user's (the chat said so when asked for a count).</summary>
    public void Forget(string chatId) => _chats.Remove(chatId);

    private Entry GetOrAdd(string chatId, NotificationLevel level)
    {
        if (!_chats.TryGetValue(chatId, out var entry))
        {
            entry = new Entry { Level = level };
            _chats[chatId] = entry;
        }

        return entry;
    }

    private sealed class Entry
    {
        public NotificationLevel Level { get; set; }

        /// <summary>The highest read position heard of, from any source.</summary>
        public long ReadSeq { get; set; }

        public UnreadSnapshot? Counted { get; set; }

        public DateTimeOffset CountedAt { get; set; }

        public bool Stale { get; set; }
    }
}
