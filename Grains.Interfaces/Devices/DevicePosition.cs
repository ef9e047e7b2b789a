namespace ChatOrleans;

/// <summary>One device's acknowledged position in one chat, as a gateway batches them for storage.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.DevicePosition")]
public sealed record DevicePosition([property: Id(0)] string DeviceKey, [property: Id(1)] string ChatId, [property: Id(2)] long Seq);
