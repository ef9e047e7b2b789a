namespace ChatOrleans;

/// <summary>A member's read position in a chat, as carried by a receipt.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.MemberRead")]
public sealed record MemberRead([property: Id(0)] string UserId, [property: Id(1)] long LastReadSeq);
