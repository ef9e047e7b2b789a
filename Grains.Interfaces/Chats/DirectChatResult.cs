namespace ChatOrleans;

[GenerateSerializer, Immutable, Alias("ChatOrleans.DirectChatResult")]
public sealed record DirectChatResult(ChatInfo Chat, bool Created);
