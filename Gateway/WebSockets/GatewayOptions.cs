namespace ChatOrleans.Gateway.WebSockets;

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

    /// <summary>
    /// Bytes of frames waiting for one socket (enqueued minus written), the bound that keeps a
    /// reader that stopped from holding the gateway's memory: past it the socket is disconnected
    /// as too slow, as when <see cref="SendQueueFrames"/> is reached. A single frame larger than
    /// this (a history answer) is still queued when at most <see cref="SendQueueDrainBytes"/>
    /// wait before it, so a reading client always gets it.
    /// </summary>
    public long SendQueueBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// Back-pressure: a request with a large answer (<c>fetch_history</c>) is handled only once
    /// the socket's queue holds at most this many bytes; it waits up to
    /// <see cref="SendQueueDrainTimeout"/> for that, then the socket is dropped as too slow.
    /// </summary>
    public long SendQueueDrainBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a request waits for the socket's queue to drain (see <see cref="SendQueueDrainBytes"/>).</summary>
    public TimeSpan SendQueueDrainTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sustained <c>fetch_history</c> frames per device per second.</summary>
    public int HistoryFetchesPerSecond { get; set; } = 20;

    /// <summary>The <c>fetch_history</c> burst a device may send before the sustained rate applies.</summary>
    public int HistoryFetchBurst { get; set; } = 50;

    /// <summary>
    /// Sustained sends (the frames <see cref="SendsPerSecond"/> counts) per user, all the user's
    /// devices together, per second. Enforced per gateway process: a user whose devices are spread
    /// over several gateways gets this budget on each of them.
    /// </summary>
    public int UserSendsPerSecond { get; set; } = 60;

    /// <summary>The burst of sends one user's devices together may make before <see cref="UserSendsPerSecond"/> applies.</summary>
    public int UserSendBurst { get; set; } = 150;

    /// <summary>
    /// Devices of one user connected at once, across the cluster: a connection over it closes the
    /// least recently active other one with 4001.
    /// </summary>
    public int MaxDevicesPerUser { get; set; } = 20;

    /// <summary>
    /// Unexpected failures of requests logged at Error per minute by this gateway; the rest are
    /// counted and the count is logged with the next one allowed, so a client that keeps
    /// triggering one cannot flood the log.
    /// </summary>
    public int ErrorLogsPerMinute { get; set; } = 10;

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
