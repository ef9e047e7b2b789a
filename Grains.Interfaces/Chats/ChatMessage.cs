namespace ChatOrleans;

/// <summary>One stored message. <see cref="Seq"/> is the chat's gapless order.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatMessage")]
public sealed record ChatMessage(
    string MessageId,
    string ChatId,
    long Seq,
    string SenderId,
    string SenderDeviceId,
    string ClientMsgId,
    string? Text,
    IReadOnlyList<string> Mentions,
    IReadOnlyList<string> MediaIds,
    string? ParentMessageId,
    DateTimeOffset CreatedAt);
