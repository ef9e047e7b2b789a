namespace ChatOrleans.Gateway.Protocol;

/// <summary>The protocol's <c>message</c> object.</summary>
public sealed record MessageDto(
    string MessageId,
    string ChatId,
    long Seq,
    string SenderId,
    string SenderDeviceId,
    string ClientMsgId,
    string? Text,
    IReadOnlyList<string> Mentions,
    IReadOnlyList<MediaDto> Media,
    string? ParentMessageId,
    DateTimeOffset CreatedAt)
{
    /// <summary>The message with its media rendered (signed URLs and all) by <c>MediaLinks</c>.</summary>
    public static MessageDto From(ChatMessage m, IReadOnlyList<MediaDto> media) => new(
        m.MessageId, m.ChatId, m.Seq, m.SenderId, m.SenderDeviceId, m.ClientMsgId,
        m.Text, m.Mentions, media, m.ParentMessageId, m.CreatedAt);
}
