namespace ChatOrleans;

/// <summary>
/// What a reconnecting device needs from one chat: the messages above its position (one page,
/// oldest first, deleted ones left out) and the deletions at or below it since a given time.
/// <see cref="LastSeq"/> was read before the page: when the page is the last one, every seq up
/// to it that the page lacks was deleted.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatReplay")]
public sealed record ChatReplay(
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<DeletedMessage> Deleted,
    long LastSeq,
    bool HasMore);
