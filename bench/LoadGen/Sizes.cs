using ChatOrleans.LoadGen.Scenarios;

namespace ChatOrleans.LoadGen;

/// <summary>
/// The sizes of each mode. <c>quick</c> finishes in under ten minutes on two cores; <c>full</c> asks for the issue's
/// sizes (capped where the machine's open-files limit says so, and the cap is reported). The scale multiplies every
/// count, rates included; durations stay (or take <c>--step-seconds</c>).
/// </summary>
public sealed record Sizes(
    SteadyLatencySettings Steady,
    FanoutSettings Fanout,
    ThroughputSettings Throughput,
    ConnectionsSettings Connections,
    ReconnectStormSettings Storm,
    SenderInManyChatsSettings Sender)
{
    private static readonly int[] FullFanoutMembers = [1_000, 10_000, 100_000];
    private static readonly int[] QuickFanoutMembers = [1_000, 2_000];

    public static Sizes For(string mode, double scale, double? stepSeconds = null)
    {
        int N(int count, int min) => Math.Max(min, (int)Math.Round(count * scale));
        bool full = string.Equals(mode, "full", StringComparison.OrdinalIgnoreCase);
        if (!full && !string.Equals(mode, "quick", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Unknown mode '{mode}': quick or full.", nameof(mode));
        }

        int[] rates = full ? [250, 500, 1_000, 2_000, 4_000, 8_000] : [100, 250, 500, 1_000];
        var steady = new SteadyLatencySettings
        {
            Devices = N(full ? 10_000 : 2_000, 12),
            DevicesPerUser = 2,
            GroupSize = 10,
            DirectsPerUser = 2,
            Rates = [.. rates.Select(r => N(r, 5)).Distinct()],
            StepSeconds = stepSeconds ?? (full ? 20 : 5),
            WarmupSeconds = full ? 5 : 2,
        };
        var fanout = new FanoutSettings
        {
            Members = [.. (full ? FullFanoutMembers : QuickFanoutMembers).Select(k => N(k, 4)).Distinct()],
            BurstSize = 10,
            SingleRepeats = 5,
            QuietSeconds = 1.5,
        };
        var throughput = new ThroughputSettings
        {
            Chats = N(full ? 1_000 : 200, 2),
            Window = 8,
            HotMembers = N(full ? 50 : 20, 3),
            HotWindow = 8,
            Seconds = stepSeconds ?? (full ? 30 : 10),
            WarmupSeconds = full ? 5 : 2,
        };
        var connections = new ConnectionsSettings
        {
            Devices = N(full ? 50_000 : 2_000, 10),
            // Fewer users in quick: each registration costs the server a PBKDF2 hash.
            DevicesPerUser = full ? 2 : 4,
            GroupSize = 10,
            StepSize = N(full ? 5_000 : 1_000, 5),
            HoldSeconds = stepSeconds ?? (full ? 30 : 10),
        };
        var storm = new ReconnectStormSettings
        {
            Devices = N(full ? 10_000 : 500, 4),
            GroupSize = 10,
            Missed = full ? 50 : 20,
        };
        // The 300 chats in both modes: the sender's chats are what is measured, and 3,000 sockets fit either.
        var sender = new SenderInManyChatsSettings
        {
            GroupSize = 10,
            ManyChats = N(300, 2),
            DevicesPerUser = 1,
            Rate = N(10, 2),
            Seconds = stepSeconds ?? (full ? 20 : 10),
            Rounds = full ? 3 : 2,
        };
        return new Sizes(steady, fanout, throughput, connections, storm, sender);
    }
}
