namespace ChatOrleans.Client;

/// <summary>A chat message as the server stores and sends it.</summary>
/// <param name="MessageId">Opaque message id (<c>m_…</c>).</param>
/// <param name="ChatId">The chat it belongs to.</param>
/// <param name="Seq">The chat's sequence number for it: 1, 2, 3, … without gaps.</param>
/// <param name="SenderId">The sending user.</param>
/// <param name="SenderDeviceId">The sending device.</param>
/// <param name="ClientMsgId">The sender's idempotency key.</param>
/// <param name="Text">The text; <c>null</c> for a media-only message.</param>
/// <param name="Mentions">User ids of the members named as <c>@username</c> in the text.</param>
/// <param name="Media">Attached media.</param>
/// <param name="ParentMessageId">The message replied to, if any.</param>
/// <param name="CreatedAt">When the server stored it (UTC).</param>
public sealed record Message(
    string MessageId,
    string ChatId,
    long Seq,
    string SenderId,
    string? SenderDeviceId,
    string ClientMsgId,
    string? Text,
    IReadOnlyList<string> Mentions,
    IReadOnlyList<Media> Media,
    string? ParentMessageId,
    DateTimeOffset CreatedAt)
{
    /// <summary>Value equality, comparing <see cref="Mentions"/> and <see cref="Media"/> element by element.</summary>
    /// <param name="other">The message to compare with.</param>
    /// <returns><c>true</c> when every field is equal.</returns>
    public bool Equals(Message? other) =>
        other is not null
        && MessageId == other.MessageId
        && ChatId == other.ChatId
        && Seq == other.Seq
        && SenderId == other.SenderId
        && SenderDeviceId == other.SenderDeviceId
        && ClientMsgId == other.ClientMsgId
        && Text == other.Text
        && Mentions.SequenceEqual(other.Mentions)
        && Media.SequenceEqual(other.Media)
        && ParentMessageId == other.ParentMessageId
        && CreatedAt == other.CreatedAt;

    /// <summary>A hash consistent with <see cref="Equals(Message)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(MessageId, ChatId, Seq);
}
