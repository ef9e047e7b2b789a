using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

/// <summary>
/// Scenario 6, sender in many chats: a send must cost the same whoever sends it (ARCHITECTURE.md, invariant 8). One
/// sender is a member of one group, another of <see cref="SenderInManyChatsSettings.ManyChats"/> groups; every group has
/// <see cref="SenderInManyChatsSettings.GroupSize"/> members of its own, all online. Each sender in turn sends into one
/// of its groups at the same modest open-loop rate while the other is silent, and each window is bracketed by two
/// scrapes of the server's <c>/metrics</c>: the grain calls the window's sends caused, by interface, are the counters'
/// growth less what the same interfaces receive when nobody sends (two idle windows), divided by the window's acked
/// sends. Both send into a group of the same size, so the only difference between them is how many chats the sender
/// is in. Latency runs from when a message was due to its ack, and to each other member's <c>new_message</c>.
/// </summary>
public sealed class SenderInManyChatsScenario(ChatTransport transport, ScenarioContext context, SenderInManyChatsSettings settings)
{
    /// <summary>Interfaces of the product's own grains; the rest are Orleans' (stream queues and pub/sub, the runtime), reported apart.</summary>
    public const string ProductInterfacePrefix = "ChatOrleans.";

    private const int OneChatSender = 0;
    private const int ManyChatsSender = 1;

    private readonly Sender[] _senders = [new(OneChatSender, "one-chat"), new(ManyChatsSender, "many-chats")];

    public async Task<SenderInManyChatsResult> RunAsync(CancellationToken cancellationToken)
    {
        int groupSize = Math.Max(2, settings.GroupSize);
        int manyChats = Math.Max(2, Math.Min(settings.ManyChats, context.MaxConnections / (groupSize * settings.DevicesPerUser)));
        Topology topology = BuildTopology(groupSize, manyChats, settings.DevicesPerUser);
        context.Log($"[{transport.Name}] sender in many chats: one sender in 1 group, another in {manyChats}; groups of {groupSize}; {topology.Users} users, {topology.Devices} devices");
        var setup = await transport.PrepareAsync(topology, cancellationToken).ConfigureAwait(false);
        context.Log($"[{transport.Name}]   set up in {string.Join(", ", setup.Select(kv => $"{kv.Key}={kv.Value}"))}");

        transport.OnText = OnText;
        long connectStarted = BenchClock.Now;
        int connected = await transport.ConnectAllAsync(context.ConnectConcurrency, cancellationToken).ConfigureAwait(false);
        double connectSeconds = Math.Round(BenchClock.SecondsSince(connectStarted), 2);
        context.Log($"[{transport.Name}]   {connected} devices connected in {connectSeconds} s");

        // The one-chat sender is user 0 and sends into group 0; the other is user GroupSize and sends into group 1.
        _senders[OneChatSender].Bind(topology.Device(0, 0), chat: 0, topology.Recipients(topology.Chats[0]));
        _senders[ManyChatsSender].Bind(topology.Device(groupSize, 0), chat: 1, topology.Recipients(topology.Chats[1]));

        // Each sender at the rate for a while first, not measured: the first window after connecting thousands of
        // devices ran at twice the CPU of the later ones (JIT tiers, the chats' activations, the collector catching up).
        foreach (Sender sender in _senders)
        {
            await SendAtRateAsync(sender, "warm", settings.WarmupSeconds, cancellationToken).ConfigureAwait(false);
            sender.Restart();
        }

        await Task.Delay(TimeSpan.FromSeconds(settings.SettleSeconds), cancellationToken).ConfigureAwait(false);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var windows = new List<SenderWindow>();
        var meter = new WindowMeter(http, transport.BaseUri, context);
        await meter.StartAsync(cancellationToken).ConfigureAwait(false);

        windows.Add(await IdleWindowAsync(meter, 0, cancellationToken).ConfigureAwait(false));
        for (int round = 1; round <= Math.Max(1, settings.Rounds); round++)
        {
            // One chat first in odd rounds and last in even ones, so neither always follows the idle window.
            foreach (Sender sender in round % 2 == 1 ? _senders : [_senders[1], _senders[0]])
            {
                windows.Add(await SendWindowAsync(meter, sender, round, cancellationToken).ConfigureAwait(false));
            }
        }

        windows.Add(await IdleWindowAsync(meter, settings.Rounds + 1, cancellationToken).ConfigureAwait(false));
        transport.OnText = null;
        await transport.DisconnectAllAsync().ConfigureAwait(false);

        IReadOnlyDictionary<string, double> background = SenderCosts.BackgroundPerSecond(windows, meter.Error is null);
        SenderCost one = SenderCosts.Summarize(_senders[OneChatSender], 1, windows, background, meter.Error is null);
        SenderCost many = SenderCosts.Summarize(_senders[ManyChatsSender], manyChats, windows, background, meter.Error is null);
        var result = new SenderInManyChatsResult(
            transport.Name, settings, topology.Users, topology.Chats.Count, connected, setup, connectSeconds, meter.Error, background, one, many, windows);
        context.Log($"[{transport.Name}]   ratios many/one: ack P95 {result.AckP95Ratio}, delivery P95 {result.DeliveryP95Ratio}; grain calls per send {one.GrainCallsPerSend} vs {many.GrainCallsPerSend} (difference {result.CallsPerSendDifference}){(meter.Error is null ? "" : $"; metrics not read: {meter.Error}")}");
        return result;
    }

    /// <summary>
    /// Users 0..G-1 form group 0 (user 0 the one-chat sender); user G is the many-chat sender, first member of groups
    /// 1..K, each of which has G-1 members of its own after it.
    /// </summary>
    public static Topology BuildTopology(int groupSize, int manyChats, int devicesPerUser)
    {
        var chats = new List<TopologyChat> { new(0, [.. Enumerable.Range(0, groupSize)], IsGroup: true) };
        int sender = groupSize;
        int next = groupSize + 1;
        for (int k = 0; k < manyChats; k++)
        {
            chats.Add(new TopologyChat(chats.Count, [sender, .. Enumerable.Range(next, groupSize - 1)], IsGroup: true));
            next += groupSize - 1;
        }

        return new Topology(next, devicesPerUser, chats);
    }

    private async Task<SenderWindow> IdleWindowAsync(WindowMeter meter, int round, CancellationToken cancellationToken)
    {
        var cpu = CpuWindow.Start(context.Server);
        long start = BenchClock.Now;
        await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds), cancellationToken).ConfigureAwait(false);
        (IReadOnlyDictionary<string, double> calls, double stored, double seconds) = await meter.NextAsync(start, cancellationToken).ConfigureAwait(false);
        context.Log($"[{transport.Name}]   idle {Math.Round(seconds, 1)} s: {Math.Round(calls.Where(kv => IsProduct(kv.Key)).Sum(kv => kv.Value))} calls to the product's grains, {Math.Round(calls.Where(kv => !IsProduct(kv.Key)).Sum(kv => kv.Value))} to Orleans'");
        return new SenderWindow("idle", round, Math.Round(seconds, 3), 0, 0, stored, calls, cpu.Stop());
    }

    private async Task<SenderWindow> SendWindowAsync(WindowMeter meter, Sender sender, int round, CancellationToken cancellationToken)
    {
        var cpu = CpuWindow.Start(context.Server);
        long start = BenchClock.Now;
        long sentBefore = sender.Sent;
        var window = new SendTally();
        sender.Tally.Window = window;
        await SendAtRateAsync(sender, round.ToString(System.Globalization.CultureInfo.InvariantCulture), settings.Seconds, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(settings.TailSeconds), cancellationToken).ConfigureAwait(false);
        (IReadOnlyDictionary<string, double> calls, double stored, double seconds) = await meter.NextAsync(start, cancellationToken).ConfigureAwait(false);
        long sent = sender.Sent - sentBefore;
        sender.Tally.Window = null;
        long acked = Interlocked.Read(ref window.Acked);
        double product = calls.Where(kv => IsProduct(kv.Key)).Sum(kv => kv.Value);
        context.Log($"[{transport.Name}]   {sender.Name} round {round}: {acked}/{sent} acked in {Math.Round(seconds, 1)} s; {Math.Round(product)} calls to the product's grains ({(acked > 0 ? Math.Round(product / acked, 2) : 0)} a send before the idle calls are taken off)");
        return new SenderWindow(sender.Name, round, Math.Round(seconds, 3), sent, acked, stored, calls, cpu.Stop(), window.Ack.Summarize(), window.Delivery.Summarize());
    }

    /// <summary>Sends at the rate for <paramref name="seconds"/> (open loop), then waits for every ack and delivery (up to the drain time).</summary>
    private async Task SendAtRateAsync(Sender sender, string label, double seconds, CancellationToken cancellationToken)
    {
        long start = BenchClock.Now;
        long duration = BenchClock.TicksFromSeconds(seconds);
        long ticksPerMessage = BenchClock.TicksFromSeconds(1.0 / Math.Max(0.1, settings.Rate));
        var inFlight = new List<Task>();
        long index = 0;

        // Open loop: every message due by now goes out now, stamped with the time it was due. The
        // window's whole count goes out even when the generator wakes late (a busy machine): the
        // late ones carry their lateness in their latency instead of being left out.
        while (index * ticksPerMessage < duration)
        {
            long due = (BenchClock.Now - start) / ticksPerMessage + 1;
            for (; index < due && index * ticksPerMessage < duration; index++)
            {
                long dueAt = start + index * ticksPerMessage;
                string text = new Payload(sender.Index, index, dueAt, sender.Device).Format();
                inFlight.Add(sender.Tally.SendAsync(transport, sender.Device, sender.Chat, $"{sender.Name}-{label}-{index}", text, sender.Recipients, dueAt, cancellationToken));
                Interlocked.Increment(ref sender.SentCount);
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(settings.DrainSeconds + 30), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        long drainDeadline = BenchClock.Now + BenchClock.TicksFromSeconds(settings.DrainSeconds);
        while (Interlocked.Read(ref sender.Tally.Received) < Interlocked.Read(ref sender.Tally.Expected) && BenchClock.Now < drainDeadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnText(int device, string text, long receivedTicks)
    {
        if (!Payload.TryParse(text, out Payload payload) || payload.SenderDevice == device || (uint)payload.Step >= (uint)_senders.Length)
        {
            return;
        }

        _senders[payload.Step].Tally.Delivered(receivedTicks - payload.SendTicks);
    }

    internal static bool IsProduct(string grainInterface) => grainInterface.StartsWith(ProductInterfacePrefix, StringComparison.Ordinal);

    /// <summary>One of the two senders: where it sends, and what it measured.</summary>
    internal sealed class Sender(int index, string name)
    {
        public long SentCount;

        /// <summary>Its place in the scenario, carried in the payload's step field so a delivery finds its sender.</summary>
        public int Index { get; } = index;

        public string Name { get; } = name;

        public SendTally Tally { get; private set; } = new();

        public int Device { get; private set; }

        public int Chat { get; private set; }

        public int Recipients { get; private set; }

        public long Sent => Interlocked.Read(ref SentCount);

        /// <summary>Forgets what the warm-up measured.</summary>
        public void Restart()
        {
            Tally = new SendTally();
            Interlocked.Exchange(ref SentCount, 0);
        }

        public void Bind(int device, int chat, int recipients)
        {
            Device = device;
            Chat = chat;
            Recipients = recipients;
        }
    }

    /// <summary>
    /// Scrapes <c>/metrics</c> at the end of each window; a window runs from the previous scrape to this one. The first
    /// failure is kept and the rest of the scenario runs without metrics (latency is still measured).
    /// </summary>
    private sealed class WindowMeter(HttpClient http, Uri server, ScenarioContext context)
    {
        private MetricsScrape? _last;

        public string? Error { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken) => _last = await TryScrapeAsync(cancellationToken).ConfigureAwait(false);

        /// <summary>The calls by interface and messages stored since the previous scrape, and the seconds between the two (from <paramref name="fallbackStart"/> without metrics).</summary>
        public async Task<(IReadOnlyDictionary<string, double> Calls, double Stored, double Seconds)> NextAsync(long fallbackStart, CancellationToken cancellationToken)
        {
            MetricsScrape? before = _last;
            MetricsScrape? after = before is null ? null : await TryScrapeAsync(cancellationToken).ConfigureAwait(false);
            _last = after;
            if (before is null || after is null)
            {
                return (new Dictionary<string, double>(), 0, BenchClock.SecondsSince(fallbackStart));
            }

            return (after.CallsSince(before), after.MessagesStored - before.MessagesStored, BenchClock.ToMilliseconds(after.Ticks - before.Ticks) / 1000);
        }

        private async Task<MetricsScrape?> TryScrapeAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await MetricsScrape.ReadAsync(http, server, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Error ??= ex.Message;
                context.Log($"  metrics not read: {ex.Message}");
                return null;
            }
        }
    }
}
