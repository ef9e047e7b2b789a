using System.Collections.Concurrent;
using ChatOrleans.Client;
using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record ReconnectStormSettings
{
    public int Devices { get; init; } = 500;

    /// <summary>Devices' users are in groups of this size; one extra poster user is in every group.</summary>
    public int GroupSize { get; init; } = 10;

    /// <summary>Messages each device misses while offline (posted into its group).</summary>
    public int Missed { get; init; } = 20;

    /// <summary>Connections opened at once in the storm (the rest queue in the generator, as a crowd of clients would retry).</summary>
    public int StormConcurrency { get; init; } = 1_000;

    public double TimeoutSeconds { get; init; } = 300;
}

public sealed record ReconnectStormResult(
    ReconnectStormSettings Settings,
    int Devices,
    string? ClampedBy,
    int Groups,
    IReadOnlyDictionary<string, double> SetupSeconds,
    double PostSeconds,
    int Reconnected,
    int SyncDone,
    double AllSyncDoneMs,
    LatencySummary SyncDoneLatency,
    long ExpectedReplayed,
    long Replayed,
    int DevicesExact,
    long Missing,
    long Unexpected,
    long Duplicates,
    IReadOnlyList<string> Problems,
    CpuUsage Cpu);

/// <summary>
/// Scenario 5, reconnect storm: N online devices acknowledge everything, drop at once, miss M messages each, and
/// reconnect at once. Measured: the time from the storm's start until every <c>sync_done</c>. Checked: each device's
/// replay (the <c>new_message</c> frames between <c>welcome</c> and <c>sync_done</c>) is exactly the messages it
/// missed — none missing, none extra, none twice.
/// </summary>
public sealed class ReconnectStormScenario(ChatTransport transport, ScenarioContext context, ReconnectStormSettings settings)
{
    private readonly ConcurrentDictionary<int, DeviceLog> _logs = new();

    public async Task<ReconnectStormResult> RunAsync(CancellationToken cancellationToken)
    {
        int devices = Math.Max(2, Math.Min(settings.Devices, context.MaxConnections - 10));
        string? clampedBy = devices < settings.Devices ? $"RLIMIT_NOFILE: at most {context.MaxConnections} sockets per process here" : null;
        int groupSize = Math.Min(settings.GroupSize, devices);
        int groups = Math.Max(1, devices / groupSize);
        int poster = devices;

        // Users 0..N-1 have one device each; user N is the poster, a member of every group.
        var chats = new List<TopologyChat>();
        for (int g = 0; g < groups; g++)
        {
            int first = g * groupSize;
            int last = g == groups - 1 ? devices : first + groupSize;
            chats.Add(new TopologyChat(g, [poster, .. Enumerable.Range(first, last - first)], IsGroup: true));
        }

        var topology = new Topology(devices + 1, 1, chats);
        context.Log($"[{transport.Name}] reconnect storm: {devices} devices in {groups} groups, {settings.Missed} missed messages each{(clampedBy is null ? "" : $" ({clampedBy})")}");
        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);
        transport.OnEvent = OnEvent;
        try
        {
            return await RunCoreAsync(topology, devices, groups, poster, clampedBy, setup, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            transport.OnEvent = null;
            await transport.DisconnectAllAsync().ConfigureAwait(false);
        }
    }

    private async Task<ReconnectStormResult> RunCoreAsync(
        Topology topology, int devices, int groups, int poster, string? clampedBy, IReadOnlyDictionary<string, double> setup,
        CancellationToken cancellationToken)
    {
        int[] members = [.. Enumerable.Range(0, devices)];
        await transport.ConnectAsync([.. members, poster], context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);

        // Every device sees one message in its group and acknowledges it, so its position is that message's seq.
        long[] baseline = new long[groups];
        await Retry.ForEachAsync(
            Enumerable.Range(0, groups), 16,
            async (g, ct) => baseline[g] = (await transport.SendMessageAsync(poster, g, $"warm-{g}", "warm", ct).ConfigureAwait(false)).Seq,
            cancellationToken).ConfigureAwait(false);
        await Retry.ForEachAsync(
            members, 64,
            async (d, ct) =>
            {
                int g = GroupOf(d, topology);
                await Retry.RunAsync(c => transport.Devices[d].Connection!.DeliveredAsync(transport.ChatId(g), baseline[g], c), ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        // Drop at once, as a network outage would; then wait until the server has seen every socket go.
        await ChatTransport.DisconnectAsync(members.Select(d => transport.Devices[d])).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);

        // The poster writes M messages into every group while the devices are away.
        long postStarted = BenchClock.Now;
        var missedSeqs = new long[groups][];
        await Retry.ForEachAsync(
            Enumerable.Range(0, groups), 32,
            async (g, ct) =>
            {
                var seqs = new long[settings.Missed];
                for (int i = 0; i < settings.Missed; i++)
                {
                    Message message = await transport.SendMessageAsync(poster, g, $"missed-{g}-{i}", $"missed {g} {i}", ct).ConfigureAwait(false);
                    seqs[i] = message.Seq;
                }

                missedSeqs[g] = seqs;
            },
            cancellationToken).ConfigureAwait(false);
        double postSeconds = Math.Round(BenchClock.SecondsSince(postStarted), 2);
        context.Log($"[{transport.Name}]   posted {groups * settings.Missed} messages in {postSeconds} s; storm of {devices} reconnects");

        // The storm.
        _logs.Clear();
        foreach (int d in members)
        {
            _logs[d] = new DeviceLog();
        }

        var cpu = CpuWindow.Start(context.Server);
        long stormStart = BenchClock.Now;
        var syncLatency = new LatencyRecorder();
        int reconnected = 0;
        var problems = new ConcurrentQueue<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        await Retry.ForEachAsync(
            members, settings.StormConcurrency,
            async (d, ct) =>
            {
                try
                {
                    await transport.ConnectDeviceAsync(transport.Devices[d], ct).ConfigureAwait(false);
                    syncLatency.RecordTicks(BenchClock.Now - stormStart);
                    Interlocked.Increment(ref reconnected);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    problems.Enqueue($"device {d}: {ex.GetType().Name}: {ex.Message}");
                }
            },
            timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        CpuUsage usage = cpu.Stop();

        // The readers see sync_done a moment after the connection does; let them catch up before checking.
        long settleDeadline = BenchClock.Now + BenchClock.TicksFromSeconds(10);
        while (members.Any(d => transport.Devices[d].Connection is not null && _logs[d].SyncDoneTicks == 0) && BenchClock.Now < settleDeadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        int syncDone = 0;
        long lastSync = stormStart;
        long expectedTotal = 0;
        long replayedTotal = 0;
        long missing = 0;
        long unexpected = 0;
        long duplicates = 0;
        int exact = 0;
        foreach (int d in members)
        {
            DeviceLog log = _logs[d];
            int g = GroupOf(d, topology);
            string chatId = transport.ChatId(g);
            var expected = missedSeqs[g].ToHashSet();
            expectedTotal += expected.Count;
            if (log.SyncDoneTicks == 0)
            {
                missing += expected.Count;
                continue;
            }

            syncDone++;
            lastSync = Math.Max(lastSync, log.SyncDoneTicks);
            var seen = new HashSet<long>();
            long deviceMissing = 0;
            long deviceUnexpected = 0;
            long deviceDuplicates = 0;
            foreach ((string chat, long seq) in log.Replayed)
            {
                replayedTotal++;
                if (chat != chatId || !expected.Contains(seq))
                {
                    deviceUnexpected++;
                }
                else if (!seen.Add(seq))
                {
                    deviceDuplicates++;
                }
            }

            deviceMissing = expected.Count(s => !seen.Contains(s));
            missing += deviceMissing;
            unexpected += deviceUnexpected;
            duplicates += deviceDuplicates;
            if (deviceMissing == 0 && deviceUnexpected == 0 && deviceDuplicates == 0)
            {
                exact++;
            }
            else if (problems.Count < 20)
            {
                problems.Enqueue($"device {d}: missing {deviceMissing}, unexpected {deviceUnexpected}, twice {deviceDuplicates}");
            }
        }

        double allMs = syncDone == members.Length ? Math.Round(BenchClock.ToMilliseconds(lastSync - stormStart), 1) : -1;
        context.Log($"[{transport.Name}]   every sync_done after {allMs} ms ({syncDone}/{members.Length}); exact replays {exact}/{members.Length}; missing {missing}, unexpected {unexpected}, twice {duplicates}");
        return new ReconnectStormResult(
            settings, devices, clampedBy, groups, setup, postSeconds, reconnected, syncDone, allMs, syncLatency.Summarize(),
            expectedTotal, replayedTotal, exact, missing, unexpected, duplicates, [.. problems.Take(20)], usage);
    }

    private static int GroupOf(int device, Topology topology) => topology.ChatsOfUser[device][0];

    private void OnEvent(BenchDevice device, ServerEvent e, long receivedTicks)
    {
        if (!_logs.TryGetValue(device.Index, out DeviceLog? log))
        {
            return;
        }

        switch (e)
        {
            case NewMessageEvent message when log.SyncDoneTicks == 0:
                log.Replayed.Add((message.Message.ChatId, message.Message.Seq));
                break;
            case SyncDoneEvent:
                log.SyncDoneTicks = receivedTicks;
                break;
        }
    }

    private sealed class DeviceLog
    {
        // Written by the device's one reader loop only, read after its sync_done.
        public List<(string ChatId, long Seq)> Replayed { get; } = [];

        public long SyncDoneTicks
        {
            get => Volatile.Read(ref _syncDoneTicks);
            set => Volatile.Write(ref _syncDoneTicks, value);
        }

        private long _syncDoneTicks;
    }
}
