namespace ChatOrleans;

/// <summary>An event on a chat's stream. Every member's connected devices see it.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatEvent")]
public abstract record ChatEvent(string ChatId);

/// <summary>
/// Messages persisted in one write, in <c>seq</c> order. Sending moves the sender's read
/// position, so where receipts apply the event carries each sender's new position too
/// (<see cref="SenderReads"/>, empty otherwise): one event instead of a receipt per send.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.MessagesPosted")]
public sealed record MessagesPosted(string ChatId, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<MemberRead> SenderReads) : ChatEvent(ChatId);

[GenerateSerializer, Immutable, Alias("ChatOrleans.MessageDeletedEvent")]
public sealed record MessageDeletedEvent(string ChatId, string MessageId, long Seq) : ChatEvent(ChatId);

[GenerateSerializer, Immutable, Alias("ChatOrleans.TypingEvent")]
public sealed record TypingEvent(string ChatId, string UserId, bool Started) : ChatEvent(ChatId);

/// <summary>A member's read position moved (sent only where receipts apply).</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ReceiptEvent")]
public sealed record ReceiptEvent(string ChatId, string UserId, long LastReadSeq) : ChatEvent(ChatId);

[GenerateSerializer, Immutable, Alias("ChatOrleans.MemberAddedEvent")]
public sealed record MemberAddedEvent(string ChatId, string UserId) : ChatEvent(ChatId);

[GenerateSerializer, Immutable, Alias("ChatOrleans.MemberRemovedEvent")]
public sealed record MemberRemovedEvent(string ChatId, string UserId) : ChatEvent(ChatId);
