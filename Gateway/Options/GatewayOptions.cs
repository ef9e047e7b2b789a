namespace ChatOrleans.Gateway.Options;

/// <summary>The edge's limits (PROTOCOL.md, Limits) and socket tuning (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>This gateway's name in device sessions; defaults to the machine and process.</summary>
    public string GatewayId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    public int MaxFrameBytes { get; set; } = 65_536;

    public int MaxTextCodePoints { get; set; } = 16_000;

    public int MaxMediaPerMessage { get; set; } = 10;

    /// <summary>Sustained <c>send_message</c> and <c>delete_message</c> frames per device per second.</summary>
    public int SendsPerSecond { get; set; } = 20;

    /// <summary>The burst a device may send before the sustained rate applies.</summary>
    public int SendBurst { get; set; } = 50;

    /// <summary>
    /// Frames waiting for one socket. A device that stops reading fills it and is disconnected:
    /// it catches up by replay, and the gateway's memory stays bounded.
    /// </summary>
    public int SendQueueFrames { get; set; } = 2_048;

    /// <summary>How long a closing handshake may take before the socket is aborted.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A device's frames tell the notification pipeline it is active (not idle) at most this
    /// often: one grain call per device per interval, whatever the device sends. Keep it well
    /// below <c>Notifications:DeviceIdleAfter</c>.
    /// </summary>
    public TimeSpan ActivityReportInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an unconfirmed <c>delivered</c> waits at the gateway to be merged with the
    /// device's next ones before it goes to the DeviceGrain (see <c>DeliveredAcks</c>). Acks with a
    /// <c>req_id</c> never wait. Zero sends each at once (still one call in flight per device).
    /// </summary>
    public TimeSpan DeliveredAckDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Chats whose replay is fetched at once when a device reconnects.</summary>
    public int ReplayConcurrency { get; set; } = 16;
}
