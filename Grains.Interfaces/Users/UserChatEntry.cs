namespace ChatOrleans;

/// <summary>
/// One chat in a user's list: when they joined, the chat's last seq then (a device's starting
/// position), their read position and when it last moved (for replay of <c>read_state</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.UserChatEntry")]
public sealed record UserChatEntry(
    string ChatId,
    DateTimeOffset JoinedAt,
    long JoinSeq,
    long LastReadSeq,
    DateTimeOffset ReadMovedAt,
    NotificationLevel Level);
