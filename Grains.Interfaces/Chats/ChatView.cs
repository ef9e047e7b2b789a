namespace ChatOrleans;

/// <summary>The protocol's <c>chat</c> object: a chat as one user sees it.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatView")]
public sealed record ChatView(
    ChatInfo Chat,
    long LastReadSeq,
    int UnreadCount,
    NotificationLevel Level,
    ChatMessage? LastMessage);
