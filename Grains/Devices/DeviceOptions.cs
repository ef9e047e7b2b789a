namespace ChatOrleans.Grains.Devices;

/// <summary>Tuning of device grains (configuration section <c>Devices</c>).</summary>
public sealed class DeviceOptions
{
    public const string SectionName = "Devices";

    /// <summary>
    /// How long a position moved by unconfirmed <c>delivered</c> acks may wait in memory before it
    /// is written. Every online device receiving messages writes once per this period, so it sets
    /// the store's write rate; a crash inside it only repeats messages the client drops by
    /// <c>(chat_id, seq)</c>. Acks with a <c>req_id</c> are written before they are answered.
    /// </summary>
    public TimeSpan PositionFlushDelay { get; set; } = TimeSpan.FromSeconds(2);
}
