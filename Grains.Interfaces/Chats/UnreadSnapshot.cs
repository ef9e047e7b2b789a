namespace ChatOrleans;

/// <summary>
/// One member's exact unread count in one chat, and the chat state it is exact for: the chat's
/// last seq, the member's read position and the chat's deletion mark (all three only grow). A
/// snapshot whose three are each at least another's supersedes it, whatever order they arrive in.
/// </summary>
/// <param name="ChatId">The chat.</param>
/// <param name="LastSeq">The chat's last seq when counted.</param>
/// <param name="ReadSeq">The member's read position the count starts after.</param>
/// <param name="DeletionMark">The chat's latest deletion (UTC ticks, 0 for none) when counted.</param>
/// <param name="Count">Messages by others, not deleted, above <paramref name="ReadSeq"/> up to <paramref name="LastSeq"/>.</param>
/// <param name="EveryBatch">
/// Whether the member hears of every batch the chat writes (so the count can be kept from the
/// batches); false in groups over the large-group threshold, where a count is asked for instead.
/// </param>
[GenerateSerializer, Immutable, Alias("ChatOrleans.UnreadSnapshot")]
public sealed record UnreadSnapshot(
    string ChatId,
    long LastSeq,
    long ReadSeq,
    long DeletionMark,
    int Count,
    bool EveryBatch)
{
    /// <summary>Whether this snapshot is at least as recent as <paramref name="other"/> in all three.</summary>
    public bool Supersedes(UnreadSnapshot other) =>
        LastSeq >= other.LastSeq && ReadSeq >= other.ReadSeq && DeletionMark >= other.DeletionMark;
}
