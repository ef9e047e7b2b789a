namespace ChatOrleans;

/// <summary>One chat for one user's chat list: the chat, the user's unread count and the newest message.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatSummary")]
public sealed record ChatSummary(ChatInfo Chat, int UnreadCount, ChatMessage? LastMessage);
