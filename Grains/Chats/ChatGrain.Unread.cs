namespace ChatOrleans.Grains.Chats;

/// <summary>Unread counts: from the <see cref="UnreadWindow"/> when it covers them, else from the log.</summary>
public sealed partial class ChatGrain
{
    private readonly UnreadWindow _unread = new();

    public async Task<int> CountUnread(string userId, long afterSeq)
    {
        EnsureMember(userId);
        var upTo = _writer.LastSeq;
        if (_unread.TryCount(userId, afterSeq, upTo, out var count))
        {
            return count;
        }

        var deletedBefore = _lastDeletedAt;
        count = await _log.CountUnreadAsync(ChatId, afterSeq, upTo, userId);
        if (_lastDeletedAt == deletedBefore)
        {
            // A deletion that landed while the log counted may or may not be in the count: only a
            // count no deletion raced is kept.
            _unread.Keep(userId, afterSeq, upTo, count);
        }

        return count;
    }
}
