namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// One chat on one socket: how far the socket has come in <c>seq</c> order, and which seqs it
/// passed over because they were deleted before it could send them. Only the send loop changes
/// it, so it needs no lock; the receive loop only reads <see cref="LastSent"/>.
/// </summary>
public sealed class ChatCursor(long position)
{
    // Bounded: a device that missed more deletions than this may hear of an old one; harmless.
    private const int MaxSkippedRanges = 64;

    private List<(long From, long To)>? _skipped;

    private long _lastSent = position;

    /// <summary>Every seq up to here was acknowledged before, sent on this socket, or skipped as deleted.</summary>
    public long LastSent
    {
        get => Volatile.Read(ref _lastSent);
        private set => Volatile.Write(ref _lastSent, value);
    }

    /// <summary>A <c>new_message</c> with <paramref name="seq"/> went out; seqs jumped over were deleted.</summary>
    public void Sent(long seq)
    {
        if (seq > LastSent + 1)
        {
            Skip(LastSent + 1, seq - 1);
        }

        LastSent = Math.Max(LastSent, seq);
    }

    /// <summary>Everything up to <paramref name="seq"/> not sent by now was deleted before this socket got it.</summary>
    public void SkipTo(long seq)
    {
        if (seq > LastSent)
        {
            Skip(LastSent + 1, seq);
            LastSent = seq;
        }
    }

    /// <summary>Whether the device has the message: acknowledged before, or sent on this socket.</summary>
    public bool Has(long seq)
    {
        if (seq > LastSent)
        {
            return false;
        }

        if (_skipped is not null)
        {
            foreach (var (from, to) in _skipped)
            {
                if (seq >= from && seq <= to)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private void Skip(long from, long to)
    {
        _skipped ??= [];
        if (_skipped.Count > 0 && _skipped[^1].To == from - 1)
        {
            _skipped[^1] = (_skipped[^1].From, to);
            return;
        }

        if (_skipped.Count == MaxSkippedRanges)
        {
            _skipped.RemoveAt(0);
        }

        _skipped.Add((from, to));
    }
}
