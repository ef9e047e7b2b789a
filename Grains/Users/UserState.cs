namespace ChatOrleans.Grains.Users;

[GenerateSerializer, Alias("ChatOrleans.Grains.UserState")]
public sealed class UserState
{
    [Id(0)] public UserProfile? Profile { get; set; }
    [Id(1)] public Dictionary<string, UserChatState> Chats { get; set; } = [];
}

/// <summary>The user's side of one membership: read position and alert level.</summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.UserChatState")]
public sealed class UserChatState
{
    [Id(0)] public DateTimeOffset JoinedAt { get; set; }
    [Id(1)] public long JoinSeq { get; set; }
    [Id(2)] public long LastReadSeq { get; set; }
    [Id(3)] public DateTimeOffset ReadMovedAt { get; set; }
    [Id(4)] public NotificationLevel Level { get; set; }
}
