using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record FanoutSettings
{
    /// <summary>Group sizes, one round each; all members online with one device.</summary>
    public IReadOnlyList<int> Members { get; init; } = [1_000];

    public int BurstSize { get; init; } = 10;

    /// <summary>
    /// Single messages measured per round; the one with the median last delivery is reported. One sample on a shared
    /// two-core machine can be off by half; the median of several is not.
    /// </summary>
    public int SingleRepeats { get; init; } = 1;

    /// <summary>
    /// Quiet time before each measured send. The suite uses 1.5 s, longer than the client's and the gateway's ack hold
    /// (0.25 s + 1 s), so each message meets the system at rest, as a message in a quiet channel does; the burst
    /// measures the loaded case.
    /// </summary>
    public double QuietSeconds { get; init; }

    /// <summary>How long the deliveries of one message (or of the burst) may take before the rest count as missing.</summary>
    public double DeliveryTimeoutSeconds { get; init; } = 120;

    /// <summary>Quiet time after connecting, so connection set-up work does not overlap the measurement.</summary>
    public double SettleSeconds { get; init; } = 2;
}

public sealed record DeliverySpread(
    long Expected, long Received, double FirstMs, double MedianMs, double P95Ms, double P99Ms, double LastMs, bool Complete);

public sealed record FanoutRoundResult(
    int RequestedMembers,
    int Members,
    string? ClampedBy,
    int Connected,
    IReadOnlyDictionary<string, double> SetupSeconds,
    double ConnectSeconds,
    long ServerRssBeforeConnectBytes,
    long ServerRssConnectedBytes,
    long? ServerBytesPerConnection,
    DeliverySpread Single,
    DeliverySpread Burst,
    double BurstCompletionMs,
    double? SingleAckMs,
    CpuUsage Cpu,
    IReadOnlyList<double>? SingleLastMsSamples = null);

public sealed record FanoutResult(string Transport, FanoutSettings Settings, IReadOnlyList<FanoutRoundResult> Rounds);

/// <summary>
/// Scenario 2, big channel fan-out: one group of K members, all online; one message, timed from its send to the first,
/// median, 95th percentile and last delivery; then a burst of messages sent back to back, timed until the last
/// delivery of the last one. The sender's own copy is left out.
/// </summary>
public sealed class FanoutScenario(IBenchTransport transport, ScenarioContext context, FanoutSettings settings)
{
    private Round? _round;

    public async Task<FanoutResult> RunAsync(CancellationToken cancellationToken)
    {
        transport.OnText = OnText;
        var rounds = new List<FanoutRoundResult>();
        try
        {
            foreach (int requested in settings.Members)
            {
                rounds.Add(await RunRoundAsync(requested, cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            transport.OnText = null;
        }

        return new FanoutResult(transport.Name, settings, rounds);
    }

    private async Task<FanoutRoundResult> RunRoundAsync(int requested, CancellationToken cancellationToken)
    {
        int members = Math.Max(2, Math.Min(requested, context.MaxConnections));
        string? clampedBy = members < requested ? $"RLIMIT_NOFILE: at most {context.MaxConnections} sockets per process here" : null;
        context.Log($"[{transport.Name}] fan-out: {members} members{(clampedBy is null ? "" : $" (asked {requested}; {clampedBy})")}");
        Topology topology = Topology.SingleGroup(members);
        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(settings.SettleSeconds), cancellationToken).ConfigureAwait(false);
        long rssBefore = context.ServerRss();
        long connectStarted = BenchClock.Now;
        int connected = await transport.ConnectAllAsync(context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
        double connectSeconds = Math.Round(BenchClock.SecondsSince(connectStarted), 2);
        await Task.Delay(TimeSpan.FromSeconds(settings.SettleSeconds), cancellationToken).ConfigureAwait(false);
        long rssConnected = context.ServerRss();
        context.Log($"[{transport.Name}]   {connected} connected in {connectSeconds} s; server RSS {rssBefore / 1048576} → {rssConnected / 1048576} MiB");

        var cpu = CpuWindow.Start(context.Server);
        int sender = 0;
        int recipients = topology.Recipients(topology.Chats[0]);

        // A first message, not reported: it warms up the path (JIT, the chat's activation, stream subscriptions).
        var warm = new Round(1, recipients);
        _round = warm;
        await transport.SendAsync(sender, 0, $"f{members}-warm", new Payload(0, -1, BenchClock.Now, sender).Format(), cancellationToken).ConfigureAwait(false);
        await warm.WaitAsync(settings.DeliveryTimeoutSeconds, cancellationToken).ConfigureAwait(false);

        // Single messages, each after a quiet pause; the sample with the median last delivery is reported.
        var samples = new List<(DeliverySpread Spread, double? AckMs)>();
        for (int repeat = 0; repeat < Math.Max(1, settings.SingleRepeats); repeat++)
        {
            await Task.Delay(TimeSpan.FromSeconds(settings.QuietSeconds), cancellationToken).ConfigureAwait(false);
            var single = new Round(1, recipients);
            _round = single;
            long sentAt = BenchClock.Now;
            await transport.SendAsync(sender, 0, $"f{members}-s{repeat}", new Payload(0, repeat, sentAt, sender).Format(), cancellationToken).ConfigureAwait(false);
            double? sampleAckMs = transport.HasAcks ? Math.Round(BenchClock.ToMilliseconds(BenchClock.Now - sentAt), 3) : null;
            await single.WaitAsync(settings.DeliveryTimeoutSeconds, cancellationToken).ConfigureAwait(false);
            samples.Add((single.Spread(), sampleAckMs));
        }

        var ordered = samples.OrderBy(s => s.Spread.Complete ? s.Spread.LastMs : double.MaxValue).ToList();
        var (singleSpread, ackMs) = ordered[ordered.Count / 2];
        double[] lastSamples = [.. samples.Select(s => s.Spread.LastMs)];
        context.Log($"[{transport.Name}]   one message (median of {samples.Count}): first {singleSpread.FirstMs} median {singleSpread.MedianMs} p95 {singleSpread.P95Ms} last {singleSpread.LastMs} ms ({singleSpread.Received}/{singleSpread.Expected}); last of each: {string.Join(", ", lastSamples)} ms");

        // A burst, sent back to back on the sender's connection (in order, without waiting for acks).
        await Task.Delay(TimeSpan.FromSeconds(settings.QuietSeconds), cancellationToken).ConfigureAwait(false);
        var burst = new Round(settings.BurstSize, recipients);
        _round = burst;
        long burstStart = BenchClock.Now;
        var sends = new List<Task>();
        for (int i = 1; i <= settings.BurstSize; i++)
        {
            sends.Add(transport.SendAsync(sender, 0, $"f{members}-{i}", new Payload(1, i, BenchClock.Now, sender).Format(), cancellationToken));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
        await burst.WaitAsync(settings.DeliveryTimeoutSeconds, cancellationToken).ConfigureAwait(false);
        DeliverySpread burstSpread = burst.Spread();
        double completionMs = Math.Round(BenchClock.ToMilliseconds(burst.LastReceivedTicks - burstStart), 3);
        context.Log($"[{transport.Name}]   burst of {settings.BurstSize}: all delivered in {completionMs} ms ({burstSpread.Received}/{burstSpread.Expected}), p95 {burstSpread.P95Ms} ms");
        CpuUsage usage = cpu.Stop();

        _round = null;
        await transport.DisconnectAllAsync().ConfigureAwait(false);
        long? perConnection = context.Server is null || connected == 0 ? null : (rssConnected - rssBefore) / connected;
        return new FanoutRoundResult(
            requested, members, clampedBy, connected, setup, connectSeconds, rssBefore, rssConnected, perConnection,
            singleSpread, burstSpread, completionMs, ackMs, usage, lastSamples);
    }

    private void OnText(int device, string text, long receivedTicks)
    {
        if (_round is { } round && Payload.TryParse(text, out Payload payload) && payload.SenderDevice != device)
        {
            round.Record(receivedTicks - payload.SendTicks, receivedTicks);
        }
    }

    private sealed class Round(int messages, int recipients)
    {
        private readonly LatencyRecorder _latency = new();
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _received;
        private long _lastReceived;

        public long Expected { get; } = (long)messages * recipients;

        public long LastReceivedTicks => Interlocked.Read(ref _lastReceived);

        public void Record(long latencyTicks, long receivedTicks)
        {
            _latency.RecordTicks(latencyTicks);
            InterlockedExtremes.RaiseTo(ref _lastReceived, receivedTicks);

            if (Interlocked.Increment(ref _received) >= Expected)
            {
                _all.TrySetResult();
            }
        }

        public async Task WaitAsync(double timeoutSeconds, CancellationToken cancellationToken)
        {
            if (Expected == 0)
            {
                return;
            }

            await _all.Task.WaitAsync(TimeSpan.FromSeconds(timeoutSeconds), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public DeliverySpread Spread()
        {
            LatencySummary s = _latency.Summarize();
            long received = Interlocked.Read(ref _received);
            return new DeliverySpread(Expected, received, s.MinMs, s.P50Ms, s.P95Ms, s.P99Ms, s.MaxMs, received >= Expected);
        }
    }
}
