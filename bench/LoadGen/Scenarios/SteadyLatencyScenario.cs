using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record SteadyLatencySettings
{
    public int Devices { get; init; } = 1_000;

    public int DevicesPerUser { get; init; } = 2;

    public int GroupSize { get; init; } = 10;

    public int DirectsPerUser { get; init; } = 2;

    /// <summary>The share of messages sent into groups; the rest go into direct chats.</summary>
    public double GroupShare { get; init; } = 0.5;

    /// <summary>Total messages a second, one step each, in increasing order.</summary>
    public IReadOnlyList<int> Rates { get; init; } = [100, 250, 500, 1_000];

    public double StepSeconds { get; init; } = 5;

    public double WarmupSeconds { get; init; } = 2;

    /// <summary>How long after a step's last send its deliveries may still arrive.</summary>
    public double DrainSeconds { get; init; } = 10;

    /// <summary>The ladder stops after a step whose delivery P95 exceeds this (the server is saturated).</summary>
    public double StopAboveP95Ms { get; init; } = 2_000;

    public int Seed { get; init; } = 42;
}

public sealed record RateStepResult(
    int TargetRate,
    double AchievedRate,
    double Seconds,
    long Sent,
    long Acked,
    IReadOnlyDictionary<string, long> SendErrors,
    LatencySummary AckLatency,
    long DeliveriesExpected,
    long DeliveriesReceived,
    LatencySummary DeliveryLatency,
    CpuUsage Cpu);

public sealed record SteadyLatencyResult(
    string Transport,
    SteadyLatencySettings Settings,
    int Users,
    int Groups,
    int Directs,
    int ConnectedDevices,
    IReadOnlyDictionary<string, double> SetupSeconds,
    double ConnectSeconds,
    long ServerRssBytes,
    IReadOnlyList<RateStepResult> Steps,
    int? MaxRateP95Under50Ms,
    int? MaxRateP95Under200Ms);

/// <summary>
/// Scenario 1, steady latency: C devices across groups and direct chats, an open-loop sender at R messages a second in
/// total, R climbing step by step. Latency runs from the moment a message was due to be sent (so a late sender counts
/// against the server, not for it) to each recipient's receipt of <c>new_message</c>, on the generator's one clock;
/// the sender's own copy is left out, and its ack latency is reported apart.
/// </summary>
public sealed class SteadyLatencyScenario(IBenchTransport transport, ScenarioContext context, SteadyLatencySettings settings)
{
    private SendTally[] _steps = [];

    public async Task<SteadyLatencyResult> RunAsync(CancellationToken cancellationToken)
    {
        int devices = Math.Min(settings.Devices, context.MaxConnections);
        int users = Math.Max(3, devices / settings.DevicesPerUser);
        Topology topology = Topology.GroupsAndDirects(users, settings.DevicesPerUser, settings.GroupSize, settings.DirectsPerUser);
        context.Log($"[{transport.Name}] steady latency: {topology.Devices} devices, {users} users, {topology.Groups} groups, {topology.Directs} direct chats");

        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);
        context.Log($"[{transport.Name}]   set up in {string.Join(", ", setup.Select(kv => $"{kv.Key}={kv.Value}"))}");
        transport.OnText = OnText;
        long connectStarted = BenchClock.Now;
        int connected = await transport.ConnectAllAsync(context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
        double connectSeconds = Math.Round(BenchClock.SecondsSince(connectStarted), 2);
        context.Log($"[{transport.Name}]   {connected} devices connected in {connectSeconds} s");

        // Step 0 is the warm-up, not reported; steps 1.. are the rates.
        _steps = [.. Enumerable.Range(0, settings.Rates.Count + 1).Select(_ => new SendTally())];
        var random = new Random(settings.Seed);
        var groups = topology.Chats.Where(c => c.IsGroup).ToArray();
        var directs = topology.Chats.Where(c => !c.IsGroup).ToArray();

        await RunStepAsync(0, settings.Rates[0], settings.WarmupSeconds, topology, groups, directs, random, cancellationToken).ConfigureAwait(false);
        var results = new List<RateStepResult>();
        for (int i = 0; i < settings.Rates.Count; i++)
        {
            RateStepResult step = await RunStepAsync(i + 1, settings.Rates[i], settings.StepSeconds, topology, groups, directs, random, cancellationToken).ConfigureAwait(false);
            results.Add(step);
            context.Log($"[{transport.Name}]   R={step.TargetRate}/s achieved {step.AchievedRate}/s: delivery p50 {step.DeliveryLatency.P50Ms} p95 {step.DeliveryLatency.P95Ms} p99 {step.DeliveryLatency.P99Ms} max {step.DeliveryLatency.MaxMs} ms ({step.DeliveriesReceived}/{step.DeliveriesExpected}); ack p95 {step.AckLatency.P95Ms} ms; errors {step.SendErrors.Values.Sum()}");
            bool saturated = step.DeliveryLatency.P95Ms > settings.StopAboveP95Ms
                || step.DeliveriesReceived < step.DeliveriesExpected * 0.95
                || step.SendErrors.Values.Sum() > step.Sent / 20;
            if (saturated)
            {
                context.Log($"[{transport.Name}]   saturated: stopping the ladder");
                break;
            }
        }

        long rss = context.ServerRss();
        transport.OnText = null;
        await transport.DisconnectAllAsync().ConfigureAwait(false);
        return new SteadyLatencyResult(
            transport.Name, settings, users, topology.Groups, topology.Directs, connected, setup, connectSeconds, rss, results,
            MaxRate(results, 50), MaxRate(results, 200));
    }

    /// <summary>The highest rate whose P95 is under the bound, with every lower step also under it and (nearly) all delivered.</summary>
    public static int? MaxRate(IReadOnlyList<RateStepResult> steps, double p95BoundMs)
    {
        int? best = null;
        foreach (RateStepResult step in steps)
        {
            bool ok = step.DeliveryLatency.Count > 0
                && step.DeliveryLatency.P95Ms < p95BoundMs
                && step.DeliveriesReceived >= step.DeliveriesExpected * 0.999;
            if (!ok)
            {
                break;
            }

            best = step.TargetRate;
        }

        return best;
    }

    private void OnText(int device, string text, long receivedTicks)
    {
        if (!Payload.TryParse(text, out Payload payload) || payload.SenderDevice == device || (uint)payload.Step >= (uint)_steps.Length)
        {
            return;
        }

        _steps[payload.Step].Delivered(receivedTicks - payload.SendTicks);
    }

    private async Task<RateStepResult> RunStepAsync(
        int stepIndex, int rate, double seconds, Topology topology, TopologyChat[] groups, TopologyChat[] directs, Random random,
        CancellationToken cancellationToken)
    {
        SendTally step = _steps[stepIndex];
        var cpu = CpuWindow.Start(context.Server);
        long start = BenchClock.Now;
        long duration = BenchClock.TicksFromSeconds(seconds);
        long ticksPerMessage = BenchClock.TicksFromSeconds(1.0 / rate);
        var inFlight = new List<Task>();
        long index = 0;
        while (true)
        {
            long now = BenchClock.Now;
            if (now - start >= duration)
            {
                break;
            }

            // Open loop: every message due by now goes out now, stamped with the time it was due.
            long due = (now - start) / ticksPerMessage + 1;
            for (; index < due; index++)
            {
                long dueAt = start + index * ticksPerMessage;
                TopologyChat chat = groups.Length > 0 && (directs.Length == 0 || random.NextDouble() < settings.GroupShare)
                    ? groups[random.Next(groups.Length)]
                    : directs[random.Next(directs.Length)];
                int senderUser = chat.Members[random.Next(chat.Members.Length)];
                int device = topology.Device(senderUser, random.Next(topology.DevicesPerUser));
                string text = new Payload(stepIndex, index, dueAt, device).Format();
                inFlight.Add(step.SendAsync(transport, device, chat.Index, $"s{stepIndex}-{index}", text, topology.Recipients(chat), dueAt, cancellationToken));
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        double sendSeconds = BenchClock.SecondsSince(start);
        long drainDeadline = BenchClock.Now + BenchClock.TicksFromSeconds(settings.DrainSeconds);
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(settings.DrainSeconds + 30), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (Interlocked.Read(ref step.Received) < Interlocked.Read(ref step.Expected) && BenchClock.Now < drainDeadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        CpuUsage usage = cpu.Stop();
        return new RateStepResult(
            rate, Math.Round(index / sendSeconds, 1), Math.Round(sendSeconds, 2), index, Interlocked.Read(ref step.Acked),
            step.ErrorCounts(), step.Ack.Summarize(),
            Interlocked.Read(ref step.Expected), Interlocked.Read(ref step.Received), step.Delivery.Summarize(), usage);
    }
}
