using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>The edge's limits (PROTOCOL.md, Limits) and socket tuning (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:MaxFrameBytes must be at least 1.")]
    public int MaxFrameBytes { get; set; } = 65_536;

    public int MaxTextCodePoints { get; set; } = 16_000;

    public int MaxMediaPerMessage { get; set; } = 10;

    /// <summary>Sustained <c>send_message</c> and <c>delete_message</c> frames per device per second.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:SendsPerSecond must be at least 1.")]
    public int SendsPerSecond { get; set; } = 20;

    /// <summary>The burst a device may send before the sustained rate applies.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:SendBurst must be at least 1.")]
    public int SendBurst { get; set; } = 50;

    /// <summary>
    /// Sends (<c>send_message</c>) of one connection handed to their chats and not yet answered.
    /// A client may keep several in flight: the gateway reads on while they are stored, and sends
    /// to one chat that queue up go to it in one call and one log write. Past this the connection's
    /// next frame waits for an answer.
    /// </summary>
    [SettingRange(1, 1024, ErrorMessage = "Gateway:MaxSendsInFlight must be 1 to 1024.")]
    public int MaxSendsInFlight { get; set; } = 32;

    /// <summary>
    /// Frames waiting for one socket. A device that stops reading fills it and is disconnected:
    /// it catches up by replay, and the gateway's memory stays bounded.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:SendQueueFrames must be at least 1.")]
    public int SendQueueFrames { get; set; } = 2_048;

    /// <summary>
    /// Bytes of frames waiting for one socket (enqueued minus written), the bound that keeps a
    /// reader that stopped from holding the gateway's memory: past it the socket is disconnected
    /// as too slow, as when <see cref="SendQueueFrames"/> is reached. A single frame larger than
    /// this (a history answer) is still queued when at most <see cref="SendQueueDrainBytes"/>
    /// wait before it, so a reading client always gets it.
    /// </summary>
    [SettingRange(1, long.MaxValue, ErrorMessage = "Gateway:SendQueueBytes must be positive.")]
    public long SendQueueBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// Back-pressure: a request with a large answer (<c>fetch_history</c>) is handled only once
    /// the socket's queue holds at most this many bytes; it waits up to
    /// <see cref="SendQueueDrainTimeout"/> for that, then the socket is dropped as too slow.
    /// </summary>
    [SettingRange(0, long.MaxValue, ErrorMessage = "Gateway:SendQueueDrainBytes must not be negative.")]
    public long SendQueueDrainBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a request waits for the socket's queue to drain (see <see cref="SendQueueDrainBytes"/>).</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Gateway:SendQueueDrainTimeout must be positive.")]
    public TimeSpan SendQueueDrainTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sustained <c>fetch_history</c> frames per device per second.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:HistoryFetchesPerSecond must be at least 1.")]
    public int HistoryFetchesPerSecond { get; set; } = 20;

    /// <summary>The <c>fetch_history</c> burst a device may send before the sustained rate applies.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:HistoryFetchBurst must be at least 1.")]
    public int HistoryFetchBurst { get; set; } = 50;

    /// <summary>
    /// Sustained sends (the frames <see cref="SendsPerSecond"/> counts) per user, all the user's
    /// devices together, per second. Enforced per gateway process: a user whose devices are spread
    /// over several gateways gets this budget on each of them.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:UserSendsPerSecond must be at least 1.")]
    public int UserSendsPerSecond { get; set; } = 60;

    /// <summary>The burst of sends one user's devices together may make before <see cref="UserSendsPerSecond"/> applies.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:UserSendBurst must be at least 1.")]
    public int UserSendBurst { get; set; } = 150;

    /// <summary>
    /// Devices of one user connected at once, across the cluster: a connection over it closes the
    /// least recently active other one with 4001.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:MaxDevicesPerUser must be at least 1.")]
    public int MaxDevicesPerUser { get; set; } = 20;

    /// <summary>
    /// Unexpected failures of requests logged at Error per minute by this gateway; the rest are
    /// counted and the count is logged with the next one allowed, so a client that keeps
    /// triggering one cannot flood the log.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Gateway:ErrorLogsPerMinute must be at least 1.")]
    public int ErrorLogsPerMinute { get; set; } = 10;

    /// <summary>
    /// How often the server sends a WebSocket keep-alive (an unsolicited pong) on each socket, so
    /// proxies and NATs on the way keep an idle connection open. Zero sends none.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, ErrorMessage = "Gateway:KeepAliveInterval must not be negative.")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

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
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, ErrorMessage = "Gateway:DeliveredAckDelay must not be negative.")]
    public TimeSpan DeliveredAckDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Chats whose replay is fetched at once when a device reconnects.</summary>
    public int ReplayConcurrency { get; set; } = 16;
}

/// <summary>Checks <see cref="GatewayOptions"/> when the gateway starts.</summary>
[OptionsValidator]
public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
