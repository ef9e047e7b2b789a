namespace ChatOrleans.Grains.Chats;

/// <summary>
/// A chat's grain state: what it is and who is in it. The message order is not here: the
/// message log is its only source, so a new activation always recovers <c>seq</c> from the log.
/// </summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.ChatState")]
public sealed class ChatState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public ChatKind Kind { get; set; }
    [Id(2)] public string? Name { get; set; }
    [Id(3)] public string? OwnerId { get; set; }
    /// <summary>Members in join order: the owner's successor is the earliest remaining one. Changed only through <see cref="ChatMembers"/>.</summary>
    [Id(4)] public List<ChatMember> Members { get; set; } = [];
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Alert levels members chose for this chat; members not here have the default. Changed only through <see cref="ChatMembers"/>.</summary>
    [Id(6)] public Dictionary<string, NotificationLevel> AlertLevels { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("ChatOrleans.Grains.ChatMember")]
public sealed record ChatMember(string UserId, DateTimeOffset JoinedAt);
