namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Unread counts without a query per call. Every send moves the sender's read position, and the
/// read_state it causes carries the user's unread count in every chat and the badge: one count per
/// chat the user is in, per send. Counted in the log each time, the cost of a send grew with the
/// sender's unread backlog. Here each member's last count is kept with the seq it reached, and
/// extended from the senders of the messages this activation wrote since; the log is asked only for
/// what those do not cover (after an activation, or a backlog older than the window).
/// </summary>
public sealed partial class ChatGrain
{
    /// <summary>Senders of the latest messages kept to extend counts; older ranges are counted in the log.</summary>
    private const int SenderWindow = 4_096;

    /// <summary>Members whose count is kept; past it the cache starts over (a count is only a shortcut).</summary>
    private const int MaxCachedCounts = 10_000;

    // _senders[i] is the sender of seq _sendersFrom + i, or null once that message is deleted.
    private readonly List<string?> _senders = [];
    private readonly Dictionary<string, UnreadCount> _unreadCounts = new(StringComparer.Ordinal);
    private long _sendersFrom;

    public async Task<int> CountUnread(string userId, long afterSeq)
    {
        EnsureMember(userId);
        var upTo = _lastSeq;
        if (afterSeq >= upTo)
        {
            return 0;
        }

        int count;
        if (_unreadCounts.TryGetValue(userId, out var known) && known.AfterSeq == afterSeq && known.UpToSeq <= upTo && Covers(known.UpToSeq + 1))
        {
            count = known.Count + CountOthers(userId, known.UpToSeq + 1, upTo);
        }
        else if (Covers(afterSeq + 1))
        {
            count = CountOthers(userId, afterSeq + 1, upTo);
        }
        else
        {
            var deletedBefore = _lastDeletedAt;
            count = await _log.CountUnreadAsync(ChatId, afterSeq, upTo, userId);
            if (_lastDeletedAt != deletedBefore)
            {
                // A deletion landed while the log counted: the count may or may not include it, so it is not kept.
                return count;
            }
        }

        if (_unreadCounts.Count >= MaxCachedCounts && !_unreadCounts.ContainsKey(userId))
        {
            _unreadCounts.Clear();
        }

        _unreadCounts[userId] = new UnreadCount(afterSeq, upTo, count);
        return count;
    }

    /// <summary>Called with each batch the log stored, in seq order.</summary>
    private void NoteWritten(List<ChatMessage> messages)
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

        if (_senders.Count > 2 * SenderWindow)
        {
            var drop = _senders.Count - SenderWindow;
            _senders.RemoveRange(0, drop);
            _sendersFrom += drop;
        }
    }

    /// <summary>A deletion changes counts that include it: the window stops counting it, and kept counts start over.</summary>
    private void NoteDeletedForUnread(long seq)
    {
        if (seq >= _sendersFrom && seq < _sendersFrom + _senders.Count)
        {
            _senders[(int)(seq - _sendersFrom)] = null;
        }

        _unreadCounts.Clear();
    }

    /// <summary>
    /// The seq of <paramref name="userId"/>'s latest message above <paramref name="aboveSeq"/> that
    /// this activation wrote and still holds in its window, or 0. It walks down from the last seq
    /// and stops at the first match, so it costs at most what counting the unread ones costs.
    /// </summary>
    private long LatestSentBy(string userId, long aboveSeq)
    {
        if (_senders.Count == 0 || _sendersFrom + _senders.Count - 1 != _lastSeq)
        {
            return 0;
        }

        for (var seq = _lastSeq; seq > aboveSeq && seq >= _sendersFrom; seq--)
        {
            if (string.Equals(_senders[(int)(seq - _sendersFrom)], userId, StringComparison.Ordinal))
            {
                return seq;
            }
        }

        return 0;
    }

    /// <summary>Whether the window holds every message from <paramref name="fromSeq"/> to the last seq.</summary>
    private bool Covers(long fromSeq) =>
        _senders.Count > 0 && fromSeq >= _sendersFrom && _sendersFrom + _senders.Count - 1 == _lastSeq;

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
