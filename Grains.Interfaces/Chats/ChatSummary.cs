namespace ChatOrleans;

/// <summary>
/// One chat for one user's chat list: the chat, the user's unread count and the newest message.
/// <see cref="LastReadSeq"/> is the user's read position as the chat sees it: the one the user's
/// grain passed in, or the seq of the user's own latest message when that is higher (a send moves
/// the read position, and the chat knows of the send before the user's grain does).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatSummary")]
public sealed record ChatSummary(ChatInfo Chat, int UnreadCount, ChatMessage? LastMessage, long LastReadSeq);
