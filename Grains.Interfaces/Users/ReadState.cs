namespace ChatOrleans;

/// <summary>The protocol's <c>read_state</c>: a user's read position in one chat and the counts it implies.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ReadState")]
public sealed record ReadState(string ChatId, long LastReadSeq, int UnreadCount, int BadgeCount);
