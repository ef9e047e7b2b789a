using ChatOrleans.LoadGen.Infrastructure;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record SenderInManyChatsSettings
{
    /// <summary>Members of every group, the sender included; every member is online.</summary>
    public int GroupSize { get; init; } = 10;

    /// <summary>Groups the second sender is a member of (the first sender is in one); each has members of its own.</summary>
    public int ManyChats { get; init; } = 300;

    public int DevicesPerUser { get; init; } = 1;

    /// <summary>Messages a second the measured sender sends (one sender at a time).</summary>
    public double Rate { get; init; } = 10;

    /// <summary>Seconds of sending in one window.</summary>
    public double Seconds { get; init; } = 10;

    /// <summary>Seconds each sender sends at the rate before anything is measured (the path's warm-up).</summary>
    public double WarmupSeconds { get; init; } = 3;

    /// <summary>Windows per sender, interleaved (one chat, many chats, many chats, one chat, …) so the shared box's drift hits both alike.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>
    /// Quiet after a window's last delivery before its closing scrape, so that what a send leaves behind lands in its
    /// own window: delivered acks merged for a second at the gateway, the read position flushed after a second, the
    /// notification inbox's coalescing (3 s by default).
    /// </summary>
    public double TailSeconds { get; init; } = 5;

    /// <summary>Each of the two idle windows (before the rounds and after them) that measure the calls nobody's send causes.</summary>
    public double IdleSeconds { get; init; } = 10;

    /// <summary>Quiet after the warm-up, so its leftover work (the notification coalescing's 3 s) does not fall into the first idle window.</summary>
    public double SettleSeconds { get; init; } = 5;

    /// <summary>How long after a window's last send its acks and deliveries may still arrive.</summary>
    public double DrainSeconds { get; init; } = 10;
}

/// <summary>One measured interval between two scrapes of the server's metrics: an idle one, or one sender's sends (with their latencies).</summary>
public sealed record SenderWindow(
    string Kind,
    int Round,
    double Seconds,
    long Sent,
    long Acked,
    double MessagesStored,
    IReadOnlyDictionary<string, double> GrainCalls,
    CpuUsage Cpu,
    LatencySummary? AckLatency = null,
    LatencySummary? DeliveryLatency = null);

/// <summary>What one sender's messages cost and how fast they went, over all its windows.</summary>
public sealed record SenderCost(
    string Sender,
    int Chats,
    long Sent,
    long Acked,
    IReadOnlyDictionary<string, long> SendErrors,
    LatencySummary AckLatency,
    long DeliveriesExpected,
    long DeliveriesReceived,
    LatencySummary DeliveryLatency,
    double MessagesStored,
    double? GrainCallsPerSend,
    double? RuntimeCallsPerSend,
    IReadOnlyDictionary<string, double> CallsPerSendByInterface,
    double? ServerCpuMsPerSend);

public sealed record SenderInManyChatsResult(
    string Transport,
    SenderInManyChatsSettings Settings,
    int Users,
    int Chats,
    int ConnectedDevices,
    IReadOnlyDictionary<string, double> SetupSeconds,
    double ConnectSeconds,
    string? MetricsError,
    IReadOnlyDictionary<string, double> BackgroundCallsPerSecond,
    SenderCost OneChat,
    SenderCost ManyChats,
    IReadOnlyList<SenderWindow> Windows)
{
    /// <summary>The many-chat sender's ack P95 over the one-chat sender's (the target: between 1/1.2 and 1.2).</summary>
    public double? AckP95Ratio => Results.Targets.Ratio(ManyChats.AckLatency.P95Ms, OneChat.AckLatency.P95Ms);

    public double? AckP50Ratio => Results.Targets.Ratio(ManyChats.AckLatency.P50Ms, OneChat.AckLatency.P50Ms);

    public double? DeliveryP95Ratio => Results.Targets.Ratio(ManyChats.DeliveryLatency.P95Ms, OneChat.DeliveryLatency.P95Ms);

    public double? DeliveryP50Ratio => Results.Targets.Ratio(ManyChats.DeliveryLatency.P50Ms, OneChat.DeliveryLatency.P50Ms);

    /// <summary>Grain calls per send of the many-chat sender less the one-chat sender's (the target: within ±1).</summary>
    public double? CallsPerSendDifference =>
        ManyChats.GrainCallsPerSend is { } many && OneChat.GrainCallsPerSend is { } one ? Math.Round(many - one, 2) : null;
}
