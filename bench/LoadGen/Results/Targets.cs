using System.Globalization;
using ChatOrleans.LoadGen.Scenarios;

namespace ChatOrleans.LoadGen.Results;

/// <summary>The issue's targets, judged from one run's numbers.</summary>
public static class Targets
{
    public static List<TargetResult> Evaluate(BenchRun run) =>
    [
        SteadyLatency(run),
        Fanout10K(run),
        Fanout100K(run),
        PostgresThroughput(run),
        IdleDevices(run),
        .. HotPathTargets.Evaluate(run),
    ];

    /// <summary>Ours over the baseline's, rounded; null when either is missing or the baseline is zero.</summary>
    public static double? Ratio(double? ours, double? baseline) =>
        ours is { } o && baseline is { } b && b > 0 ? Math.Round(o / b, 2) : null;

    private static TargetResult SteadyLatency(BenchRun run)
    {
        const string Id = "steady-latency";
        const string Text = "P95 < 50 ms at 1,000 msg/s with 10,000 connected devices";
        if (run.SteadyLatency is not { } s)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "steady-latency", "scenario 1 did not run"));
        }

        RateStepResult? step = s.Steps.FirstOrDefault(x => x.TargetRate == 1_000);
        string value = step is null
            ? s.Steps.Count < s.Settings.Rates.Count
                ? $"the ladder saturated at {Fmt(s.Steps.Count > 0 ? s.Steps[^1].TargetRate : null)} msg/s, below 1,000 (highest with P95 under 50 ms: {Fmt(s.MaxRateP95Under50Ms)} msg/s)"
                : $"1,000 msg/s was not among this run's rates ({string.Join(", ", s.Settings.Rates)}); highest with P95 under 50 ms: {Fmt(s.MaxRateP95Under50Ms)} msg/s"
            : $"P95 {Fmt(step.DeliveryLatency.P95Ms)} ms at 1,000 msg/s ({step.DeliveriesReceived:N0}/{step.DeliveriesExpected:N0} delivered)";
        if (s.ConnectedDevices < 10_000)
        {
            return new(Id, Text, TargetResult.NotMeasured, value, $"ran with {s.ConnectedDevices:N0} devices, not 10,000 (mode {run.Mode}, scale {Fmt(run.Scale)})");
        }

        bool met = step is not null && step.DeliveryLatency.P95Ms < 50 && step.DeliveriesReceived >= step.DeliveriesExpected * 0.999;
        return new(Id, Text, met ? TargetResult.Met : TargetResult.NotMet, value, $"{s.ConnectedDevices:N0} devices");
    }

    private static TargetResult Fanout10K(BenchRun run)
    {
        const string Id = "fanout-10k";
        const string Text = "10,000-member fan-out delivered to all within 2x the bare broadcast baseline's time";
        FanoutRoundResult? ours = run.Fanout?.Rounds.FirstOrDefault(r => r.Members >= 10_000);
        if (ours is null)
        {
            int largest = run.Fanout?.Rounds.Select(r => r.Members).DefaultIfEmpty(0).Max() ?? 0;
            return new(Id, Text, TargetResult.NotMeasured, "—", largest > 0 ? $"largest group this run: {largest:N0} members" : Why(run, "fanout", "scenario 2 did not run"));
        }

        FanoutRoundResult? bare = run.FanoutBareWebSocket?.Rounds.FirstOrDefault(r => r.Members == ours.Members);
        double? ratio = bare is null ? null : Ratio(ours.Single.LastMs, bare.Single.LastMs);
        string value = $"last delivery {Fmt(ours.Single.LastMs)} ms vs bare {Fmt(bare?.Single.LastMs)} ms = {Fmt(ratio)}x ({ours.Single.Received:N0}/{ours.Single.Expected:N0})";
        if (bare is null || ratio is null)
        {
            return new(Id, Text, TargetResult.NotMeasured, value, "no bare baseline of the same size");
        }

        bool met = ours.Single.Complete && ratio <= 2;
        return new(Id, Text, met ? TargetResult.Met : TargetResult.NotMet, value,
            $"{ours.Members:N0} members; burst of {run.Fanout!.Settings.BurstSize}: {Fmt(ours.BurstCompletionMs)} ms vs bare {Fmt(bare.BurstCompletionMs)} ms");
    }

    private static TargetResult Fanout100K(BenchRun run)
    {
        const string Id = "fanout-100k";
        const string Text = "100,000-member fan-out completing (time and memory)";
        FanoutRoundResult? round = run.Fanout?.Rounds.OrderByDescending(r => r.Members).FirstOrDefault();
        if (round is null)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "fanout", "scenario 2 did not run"));
        }

        string value = $"{round.Members:N0} members: last delivery {Fmt(round.Single.LastMs)} ms ({round.Single.Received:N0}/{round.Single.Expected:N0}), server RSS {Mib(round.ServerRssConnectedBytes)}";
        if (round.Members < 100_000)
        {
            return new(Id, Text, TargetResult.NotMeasured, value, round.ClampedBy ?? $"largest group this run: {round.Members:N0} members");
        }

        return new(Id, Text, round.Single.Complete ? TargetResult.Met : TargetResult.NotMet, value, "");
    }

    private static TargetResult PostgresThroughput(BenchRun run)
    {
        const string Id = "throughput-postgres";
        const string Text = "≥ 5,000 persisted msg/s across chats and ≥ 2,000 msg/s into one chat on PostgreSQL";
        ThroughputResult? pg = run.Throughput.FirstOrDefault(t => t.Settings.Store == "postgres");
        string embedded = string.Join("; ", run.Throughput.Where(t => t.Settings.Store != "postgres")
            .Select(t => $"{t.Settings.Store}: {Describe(t)}"));
        if (pg is null)
        {
            return new(Id, Text, TargetResult.NotMeasured, embedded.Length > 0 ? embedded : "—",
                "no PostgreSQL run (set BENCH_STORES to include postgres once the server has that profile)");
        }

        ThroughputRun? many = pg.Runs.FirstOrDefault(r => r.Shape == "many-chats");
        ThroughputRun? hot = pg.Runs.FirstOrDefault(r => r.Shape == "one-hot-chat");
        bool met = many is { AckedPerSecond: >= 5_000, PersistedMatchesAcked: true } && hot is { AckedPerSecond: >= 2_000, PersistedMatchesAcked: true };
        return new(Id, Text, met ? TargetResult.Met : TargetResult.NotMet, Describe(pg), embedded);
    }

    private static TargetResult IdleDevices(BenchRun run)
    {
        const string Id = "idle-devices";
        const string Text = "50,000 idle devices on one gateway (memory per connection)";
        if (run.Connections is not { } c)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "connections", "scenario 4 did not run"));
        }

        string value = $"held {c.StillOpenAfterHold:N0}, pings {c.PingsAnswered}/{c.PingsSent}, {Bytes(c.ServerBytesPerConnection)} per connection";
        if (c.StillOpenAfterHold >= 50_000 && c.PingsAnswered == c.PingsSent)
        {
            return new(Id, Text, TargetResult.Met, value, "");
        }

        if (c.Devices < 50_000 && c.StoppedBy is null && c.StillOpenAfterHold == c.Devices)
        {
            return new(Id, Text, TargetResult.NotMeasured, value, c.ClampedBy ?? $"ran with {c.Devices:N0} devices (mode {run.Mode}, scale {Fmt(run.Scale)})");
        }

        return new(Id, Text, TargetResult.NotMet, value, c.StoppedBy ?? "");
    }

    private static string Describe(ThroughputResult t) => string.Join(", ", t.Runs.Select(r =>
        $"{r.Shape} {r.AckedPerSecond.ToString("N0", CultureInfo.InvariantCulture)} msg/s{(r.PersistedMatchesAcked ? "" : " (persisted ≠ acked!)")}"));

    internal static string Why(BenchRun run, string key, string otherwise) =>
        run.Errors.TryGetValue(key, out string? error) ? "failed: " + FirstLine(error) : otherwise;

    internal static string FirstLine(string text) => text.Split('\n')[0].Trim();

    internal static string Fmt(double? value) => value is { } v ? v.ToString(v >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "—";

    internal static string Fmt(int? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "—";

    internal static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";

    internal static string Bytes(long? bytes) => bytes is { } b
        ? (b >= 10_240 ? (b / 1024.0).ToString("N1", CultureInfo.InvariantCulture) + " KiB" : b.ToString("N0", CultureInfo.InvariantCulture) + " B")
        : "—";
}
