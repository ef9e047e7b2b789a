namespace ChatOrleans;

/// <summary>A device's acknowledged position in one chat.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.ChatPosition")]
public sealed record ChatPosition([property: Id(0)] string ChatId, [property: Id(1)] long Seq);
