namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Unread counts without a query per call. Every send moves the sender's read position, and the
/// read_state it causes carries the user's unread count in every chat and the badge: one count per
/// chat the user is in, per send. Counted in the log each time, the cost of a send grew with the
/// sender's unread backlog. Here each member's last count is kept with the seq it reached, and
/// extended from the senders of the messages this activation wrote since; the log is asked only for
/// what those do not cover (after an activation, or a backlog older than the window).
/// </summary>
/// <remarks>
/// Every method takes the chat's last seq: the window is current only while its newest sender is
/// that seq's, so a seq written by another writer (never seen here) makes it answer nothing.
/// </remarks>
internal sealed class UnreadWindow(int senderWindow = UnreadWindow.DefaultSenderWindow, int maxCachedCounts = UnreadWindow.DefaultMaxCachedCounts)
{
    /// <summary>Senders of the latest messages kept to extend counts; older ranges are counted in the log.</summary>
    public const int DefaultSenderWindow = 4_096;

    /// <summary>Members whose count is kept; past it the cache starts over (a count is only a shortcut).</summary>
    public const int DefaultMaxCachedCounts = 10_000;

    // _senders[i] is the sender of seq _sendersFrom + i, or null once that message is deleted.
    private readonly List<string?> _senders = [];
    private readonly Dictionary<string, UnreadCount> _counts = new(StringComparer.Ordinal);
    private long _sendersFrom;

    /// <summary>The first seq whose sender the window holds (meaningless while it holds none).</summary>
    public long FirstSeq => _sendersFrom;

    /// <summary>How many seqs the window holds, from <see cref="FirstSeq"/> on.</summary>
    public int Length => _senders.Count;

    /// <summary>
    /// Messages by others, not deleted, above <paramref name="afterSeq"/> up to <paramref name="lastSeq"/>,
    /// when a kept count and the window answer it (the answer is kept for next time); false when
    /// only the log can.
    /// </summary>
    public bool TryCount(string userId, long afterSeq, long lastSeq, out int count)
    {
        if (afterSeq >= lastSeq)
        {
            count = 0;
            return true;
        }

        if (_counts.TryGetValue(userId, out var known) && known.AfterSeq == afterSeq && known.UpToSeq <= lastSeq && Covers(known.UpToSeq + 1, lastSeq))
        {
            count = known.Count + CountOthers(userId, known.UpToSeq + 1, lastSeq);
        }
        else if (Covers(afterSeq + 1, lastSeq))
        {
            count = CountOthers(userId, afterSeq + 1, lastSeq);
        }
        else
        {
            count = 0;
            return false;
        }

        Keep(userId, afterSeq, lastSeq, count);
        return true;
    }

    /// <summary>
    /// The member's kept count extended to <paramref name="lastSeq"/>, and the read position it
    /// counts after, when the window holds one for them (after any count this activation made).
    /// </summary>
    public bool TryCountKept(string userId, long lastSeq, out long afterSeq, out int count)
    {
        if (_counts.TryGetValue(userId, out var known) && known.UpToSeq <= lastSeq
            && (known.UpToSeq == lastSeq || Covers(known.UpToSeq + 1, lastSeq)))
        {
            afterSeq = known.AfterSeq;
            count = known.UpToSeq == lastSeq ? known.Count : known.Count + CountOthers(userId, known.UpToSeq + 1, lastSeq);
            Keep(userId, afterSeq, lastSeq, count);
            return true;
        }

        afterSeq = 0;
        count = 0;
        return false;
    }

    /// <summary>Keeps a count the log made, to extend it later.</summary>
    public void Keep(string userId, long afterSeq, long upToSeq, int count)
    {
        if (_counts.Count >= maxCachedCounts && !_counts.ContainsKey(userId))
        {
            _counts.Clear();
        }

        _counts[userId] = new UnreadCount(afterSeq, upToSeq, count);
    }

    /// <summary>Called with each batch the log stored, in seq order.</summary>
    public void NoteWritten(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        if (_senders.Count == 0 || messages[0].Seq != _sendersFrom + _senders.Count)
        {
            // First batch of this activation, or seqs taken by another writer: start a new window.
            _senders.Clear();
            _sendersFrom = messages[0].Seq;
        }

        foreach (var message in messages)
        {
            _senders.Add(message.SenderId);
        }

        if (_senders.Count > 2 * senderWindow)
        {
            var drop = _senders.Count - senderWindow;
            _senders.RemoveRange(0, drop);
            _sendersFrom += drop;
        }
    }

    /// <summary>A deletion changes counts that include it: the window stops counting it, and kept counts start over.</summary>
    public void NoteDeleted(long seq)
    {
        if (seq >= _sendersFrom && seq < _sendersFrom + _senders.Count)
        {
            _senders[(int)(seq - _sendersFrom)] = null;
        }

        _counts.Clear();
    }

    /// <summary>
    /// The seq of <paramref name="userId"/>'s latest message above <paramref name="aboveSeq"/> that
    /// the window holds, or 0. It walks down from the last seq and stops at the first match, so it
    /// costs at most what counting the unread ones costs.
    /// </summary>
    public long LatestSentBy(string userId, long aboveSeq, long lastSeq)
    {
        if (_senders.Count == 0 || _sendersFrom + _senders.Count - 1 != lastSeq)
        {
            return 0;
        }

        for (var seq = lastSeq; seq > aboveSeq && seq >= _sendersFrom; seq--)
        {
            if (string.Equals(_senders[(int)(seq - _sendersFrom)], userId, StringComparison.Ordinal))
            {
                return seq;
            }
        }

        return 0;
    }

    /// <summary>Whether the window holds every message from <paramref name="fromSeq"/> to <paramref name="lastSeq"/>.</summary>
    private bool Covers(long fromSeq, long lastSeq) =>
        _senders.Count > 0 && fromSeq >= _sendersFrom && _sendersFrom + _senders.Count - 1 == lastSeq;

    private int CountOthers(string userId, long fromSeq, long toSeq)
    {
        var count = 0;
        for (var seq = fromSeq; seq <= toSeq; seq++)
        {
            var sender = _senders[(int)(seq - _sendersFrom)];
            if (sender is not null && !string.Equals(sender, userId, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    private readonly record struct UnreadCount(long AfterSeq, long UpToSeq, int Count);
}
