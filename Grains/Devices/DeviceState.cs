namespace ChatOrleans.Grains.Devices;

[GenerateSerializer, Alias("ChatOrleans.Grains.DeviceState")]
public sealed class DeviceState
{
    [Id(0)] public DateTimeOffset? FirstConnectedAt { get; set; }
    /// <summary>When the latest connection began: the "previous connection" of the next one.</summary>
    [Id(1)] public DateTimeOffset? ConnectionStartedAt { get; set; }
    [Id(2)] public string? SessionId { get; set; }
    /// <summary>The highest seq this device acknowledged, per chat.</summary>
    [Id(3)] public Dictionary<string, long> Positions { get; set; } = [];
}
