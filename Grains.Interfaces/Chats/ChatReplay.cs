namespace ChatOrleans;

/// <summary>
/// What a reconnecting device needs from one chat: the messages above its position (one page,
/// oldest first, deleted ones left out) and the deletions at or below it since a given time.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatReplay")]
public sealed record ChatReplay(
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<DeletedMessage> Deleted,
    long LastSeq,
    bool HasMore);
