namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Unread counts: from the <see cref="UnreadWindow"/> when it covers them, else from the log; and
/// the snapshots (count and the chat state it is exact for) the members' badges are kept from.
/// </summary>
public sealed partial class ChatGrain
{
    private readonly UnreadWindow _unread = new();

    public async Task<int> CountUnread(string userId, long afterSeq)
    {
        EnsureMember(userId);
        return (await Count(userId, afterSeq)).Count;
    }

    public async Task<UnreadSnapshot> GetUnread(string userId, long afterSeq)
    {
        EnsureMember(userId);
        return await Count(userId, afterSeq);
    }

    public async Task<UnreadSnapshot> MarkRead(string userId, long fromSeq, long seq)
    {
        EnsureMember(userId);
        var readSeq = Math.Min(seq, _writer.LastSeq);
        if (readSeq > fromSeq && ReceiptsApply)
        {
            await Publish(new ReceiptEvent(ChatId, userId, readSeq));
        }

        return await Count(userId, Math.Max(readSeq, fromSeq));
    }

    /// <summary>The snapshot a batch's alert carries for one recipient, when the window holds their count.</summary>
    private UnreadSnapshot? KeptSnapshot(string userId) =>
        _unread.TryCountKept(userId, _writer.LastSeq, out var readSeq, out var count)
            ? Snapshot(userId, readSeq, _writer.LastSeq, count, DeletionMark)
            : null;

    private async Task<UnreadSnapshot> Count(string userId, long afterSeq)
    {
        var upTo = _writer.LastSeq;
        var mark = DeletionMark;
        if (_unread.TryCount(userId, afterSeq, upTo, out var count))
        {
            return Snapshot(userId, afterSeq, upTo, count, mark);
        }

        var deletedBefore = _lastDeletedAt;
        count = await _log.CountUnreadAsync(ChatId, afterSeq, upTo, userId);
        if (_lastDeletedAt == deletedBefore)
        {
            // A deletion that landed while the log counted may or may not be in the count: only a
            // count no deletion raced is kept.
            _unread.Keep(userId, afterSeq, upTo, count);
        }

        // Labelled with the deletion mark from before the count: a later snapshot supersedes it.
        return Snapshot(userId, afterSeq, upTo, count, mark);
    }

    private long DeletionMark => _lastDeletedAt?.UtcTicks ?? 0;

    private UnreadSnapshot Snapshot(string userId, long readSeq, long upTo, int count, long mark) =>
        new(ChatId, upTo, readSeq, mark, count, AlertRecipients.HearsEveryBatch(userId, State.Kind, _members, _notificationOptions.LargeGroupThreshold));
}
