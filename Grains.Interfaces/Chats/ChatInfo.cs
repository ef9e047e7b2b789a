namespace ChatOrleans;

/// <summary>What every member sees of a chat, without the per-user read fields.</summary>
/// <param name="ChatId">The chat's id.</param>
/// <param name="Kind">Direct (two people) or group.</param>
/// <param name="Name">The group's name; none for a direct chat.</param>
/// <param name="OwnerId">Who created the group; none for a direct chat.</param>
/// <param name="Members">At most the first 1,000 members by join order; <see cref="MemberCount"/> has the total.</param>
/// <param name="MemberCount">How many members the chat has.</param>
/// <param name="LastSeq">The seq of the chat's latest message (0 before the first).</param>
/// <param name="CreatedAt">When the chat was created.</param>
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
