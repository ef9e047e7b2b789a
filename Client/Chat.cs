namespace ChatOrleans.Client;

/// <summary>A chat as the server shows it to one user (<c>GET /chats</c>, <c>chat_created</c>, …).</summary>
/// <param name="ChatId">Opaque chat id (<c>c_…</c>).</param>
/// <param name="Kind"><c>direct</c> or <c>group</c>; see <see cref="ChatKinds"/>.</param>
/// <param name="Name">The group's name; <c>null</c> for a direct chat.</param>
/// <param name="OwnerId">The group's owner; <c>null</c> for a direct chat.</param>
/// <param name="Members">Member user ids (possibly only the first 1,000 of a large group).</param>
/// <param name="MemberCount">The number of members.</param>
/// <param name="LastSeq">The highest <c>seq</c> assigned in the chat (0 when empty).</param>
/// <param name="LastReadSeq">The caller's read position.</param>
/// <param name="UnreadCount">Messages by others, not deleted, above <paramref name="LastReadSeq"/>.</param>
/// <param name="Level">The caller's notification level: <c>all</c>, <c>mentions</c> or <c>none</c>.</param>
/// <param name="CreatedAt">When the chat was created (UTC).</param>
/// <param name="LastMessage">The latest message, when the server includes it (optional field).</param>
public sealed record Chat(
    string ChatId,
    string Kind,
    string? Name,
    string? OwnerId,
    IReadOnlyList<string> Members,
    int MemberCount,
    long LastSeq,
    long LastReadSeq,
    int UnreadCount,
    string Level,
    DateTimeOffset CreatedAt,
    Message? LastMessage = null)
{
    /// <summary>Value equality, comparing <see cref="Members"/> element by element.</summary>
    /// <param name="other">The chat to compare with.</param>
    /// <returns><c>true</c> when every field is equal.</returns>
    public bool Equals(Chat? other) =>
        other is not null
        && ChatId == other.ChatId
        && Kind == other.Kind
        && Name == other.Name
        && OwnerId == other.OwnerId
        && Members.SequenceEqual(other.Members)
        && MemberCount == other.MemberCount
        && LastSeq == other.LastSeq
        && LastReadSeq == other.LastReadSeq
        && UnreadCount == other.UnreadCount
        && Level == other.Level
        && CreatedAt == other.CreatedAt
        && Equals(LastMessage, other.LastMessage);

    /// <summary>A hash consistent with <see cref="Equals(Chat)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(ChatId, LastSeq, LastReadSeq, MemberCount);
}
