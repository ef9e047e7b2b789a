using System.Collections.Concurrent;
using ChatOrleans.Client;
using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

public sealed record ThroughputSettings
{
    /// <summary>Direct chats written at once, each by one online sender (the other member offline).</summary>
    public int Chats { get; init; } = 200;

    /// <summary>Sends each sender keeps in flight.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Members of the hot chat, each online and sending.</summary>
    public int HotMembers { get; init; } = 20;

    public int HotWindow { get; init; } = 8;

    public double Seconds { get; init; } = 10;

    public double WarmupSeconds { get; init; } = 2;

    /// <summary>A label for the server's store (embedded, postgres, …); the suite passes the profile it started.</summary>
    public string Store { get; init; } = "embedded";
}

public sealed record ThroughputRun(
    string Shape,
    int Chats,
    int Senders,
    int Window,
    double Seconds,
    long Acked,
    double AckedPerSecond,
    IReadOnlyDictionary<string, long> Errors,
    LatencySummary AckLatency,
    long PersistedChecked,
    long AckedTotal,
    bool PersistedMatchesAcked,
    CpuUsage Cpu);

public sealed record ThroughputResult(string Transport, ThroughputSettings Settings, IReadOnlyDictionary<string, double> SetupSeconds, IReadOnlyList<ThroughputRun> Runs);

/// <summary>
/// Scenario 3, throughput: closed-loop senders keep a window of sends in flight and count what is acked (acked means
/// durably stored). Spread over many direct chats, then into one hot group. Afterwards each chat's <c>last_seq</c> is
/// read back over HTTP and must equal the number of acks, as proof that what was acked was persisted.
/// </summary>
public sealed class ThroughputScenario(ChatTransport transport, ScenarioContext context, ThroughputSettings settings)
{
    public async Task<ThroughputResult> RunAsync(CancellationToken cancellationToken)
    {
        int chats = Math.Max(1, Math.Min(settings.Chats, context.MaxConnections / 2));
        int hot = Math.Max(2, Math.Min(settings.HotMembers, context.MaxConnections / 2));
        int users = Math.Max(chats * 2, hot) + hot;

        // Users 0..2*chats-1 pair up in direct chats; the last `hot` users form the hot group.
        var chatList = new List<TopologyChat>();
        for (int i = 0; i < chats; i++)
        {
            chatList.Add(new TopologyChat(chatList.Count, [2 * i, 2 * i + 1], IsGroup: false));
        }

        int hotChat = chatList.Count;
        chatList.Add(new TopologyChat(hotChat, [.. Enumerable.Range(users - hot, hot)], IsGroup: true));
        var topology = new Topology(users, 1, chatList);
        context.Log($"[{transport.Name}] throughput ({settings.Store}): {chats} chats × window {settings.Window}; hot chat {hot} senders × window {settings.HotWindow}");
        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);

        var runs = new List<ThroughputRun>();
        int[] manySenders = [.. Enumerable.Range(0, chats).Select(i => 2 * i)];
        await transport.ConnectAsync(manySenders, context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
        runs.Add(await MeasureAsync(
            "many-chats", manySenders.Select(d => (Device: d, Chat: d / 2)).ToArray(), settings.Window, chats,
            [.. Enumerable.Range(0, chats)], cancellationToken).ConfigureAwait(false));
        await transport.DisconnectAllAsync().ConfigureAwait(false);

        int[] hotSenders = [.. Enumerable.Range(users - hot, hot)];
        await transport.ConnectAsync(hotSenders, context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
        runs.Add(await MeasureAsync(
            "one-hot-chat", hotSenders.Select(d => (Device: d, Chat: hotChat)).ToArray(), settings.HotWindow, 1,
            [hotChat], cancellationToken).ConfigureAwait(false));
        await transport.DisconnectAllAsync().ConfigureAwait(false);
        return new ThroughputResult(transport.Name, settings, setup, runs);
    }

    private async Task<ThroughputRun> MeasureAsync(
        string shape, (int Device, int Chat)[] senders, int window, int chatCount, int[] chatsToCheck, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var errors = new ConcurrentDictionary<string, long>();
        long ackedInWindow = 0;
        long ackedTotal = 0;
        long windowStart = long.MaxValue;
        long windowEnd = long.MaxValue;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long counter = 0;

        async Task LoopAsync(int device, int chat)
        {
            while (!stop.IsCancellationRequested)
            {
                long n = Interlocked.Increment(ref counter);
                long started = BenchClock.Now;
                try
                {
                    await transport.SendMessageAsync(device, chat, $"t-{shape}-{n}", $"throughput {n}", CancellationToken.None).ConfigureAwait(false);
                    long now = BenchClock.Now;
                    Interlocked.Increment(ref ackedTotal);
                    if (now >= Volatile.Read(ref windowStart) && now < Volatile.Read(ref windowEnd))
                    {
                        Interlocked.Increment(ref ackedInWindow);
                        latency.RecordTicks(now - started);
                    }
                }
                catch (Exception ex)
                {
                    errors.AddOrUpdate(SendTally.ErrorCode(ex), 1, (_, c) => c + 1);
                    if (ex is ChatConnectionClosedException)
                    {
                        return;
                    }
                }
            }
        }

        var loops = new List<Task>();
        foreach ((int device, int chat) in senders)
        {
            for (int w = 0; w < window; w++)
            {
                loops.Add(LoopAsync(device, chat));
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds), cancellationToken).ConfigureAwait(false);
        var cpu = CpuWindow.Start(context.Server);
        long measureStart = BenchClock.Now;
        Volatile.Write(ref windowEnd, measureStart + BenchClock.TicksFromSeconds(settings.Seconds));
        Volatile.Write(ref windowStart, measureStart);
        await Task.Delay(TimeSpan.FromSeconds(settings.Seconds), cancellationToken).ConfigureAwait(false);
        CpuUsage usage = cpu.Stop();
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);

        long acked = Interlocked.Read(ref ackedInWindow);
        double perSecond = Math.Round(acked / settings.Seconds, 1);

        // Read back: the chats' last_seq must add up to every ack (each chat was empty before).
        long persisted = 0;
        await Retry.ForEachAsync(
            chatsToCheck, 16,
            async (chat, ct) =>
            {
                BenchUser member = transport.Users[transport.Topology.Chats[chat].Members[0]];
                using ChatApiClient api = transport.Api(member);
                Chat info = await Retry.RunAsync(c => api.GetChatAsync(transport.ChatId(chat), c), ct).ConfigureAwait(false);
                Interlocked.Add(ref persisted, info.LastSeq);
            },
            cancellationToken).ConfigureAwait(false);
        long total = Interlocked.Read(ref ackedTotal);
        context.Log($"[{transport.Name}]   {shape}: {perSecond} acked msg/s; ack p50 {latency.Summarize().P50Ms} p95 {latency.Summarize().P95Ms} ms; persisted {persisted} / acked {total}; errors {errors.Values.Sum()}");
        return new ThroughputRun(
            shape, chatCount, senders.Select(s => s.Device).Distinct().Count(), window, settings.Seconds, acked, perSecond,
            errors.ToDictionary(kv => kv.Key, kv => kv.Value), latency.Summarize(), persisted, total, persisted == total, usage);
    }
}
