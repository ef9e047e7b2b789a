namespace ChatOrleans;

/// <summary>What every member sees of a chat, without the per-user read fields.</summary>
/// <param name="Members">At most the first 1,000 members by join order; <see cref="MemberCount"/> has the total.</param>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatInfo")]
public sealed record ChatInfo(
    string ChatId,
    ChatKind Kind,
    string? Name,
    string? OwnerId,
    IReadOnlyList<string> Members,
    int MemberCount,
    long LastSeq,
    DateTimeOffset CreatedAt);
