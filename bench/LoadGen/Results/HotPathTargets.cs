using System.Globalization;
using ChatOrleans.LoadGen.Scenarios;
using static ChatOrleans.LoadGen.Results.Targets;

namespace ChatOrleans.LoadGen.Results;

/// <summary>
/// Issue 15's targets (the hot path at constant cost) that one run's numbers can judge: each a ratio against a baseline
/// or a sibling measured in the same run. The sizes the issue names decide whether a target is judged; below them the
/// number is still shown, as not measured.
/// </summary>
public static class HotPathTargets
{
    public static IEnumerable<TargetResult> Evaluate(BenchRun run) =>
    [
        SteadyVsSignalR(run),
        SteadyCpuVsSignalR(run),
        BurstVs(run, "burst-vs-signalr", "SignalR hub", 2, run.FanoutSignalR),
        BurstVs(run, "burst-vs-bare", "bare broadcast", 4, run.FanoutBareWebSocket),
        SingleVsBare(run),
        ManyChatsVsHotChat(run),
        IdleConnectionMemory(run),
        IdleGatewayCpu(run),
        SenderLatency(run),
        SenderGrainCalls(run),
    ];

    private static TargetResult SteadyVsSignalR(BenchRun run)
    {
        const string Id = "steady-p95-vs-signalr";
        const string Text = "Issue 15: steady P95 at 1,000 msg/s within 2x the SignalR hub's (10,000 devices full, 2,000 quick)";
        if (SteadyAt1000(run, out string? why) is not (var ours, var hub, var devices))
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", why!);
        }

        double? ratio = Ratio(ours.DeliveryLatency.P95Ms, hub.DeliveryLatency.P95Ms);
        string value = $"{Fmt(ours.DeliveryLatency.P95Ms)} ms vs {Fmt(hub.DeliveryLatency.P95Ms)} ms = {Fmt(ratio)}x";
        bool met = ratio <= 2 && ours.DeliveriesReceived >= ours.DeliveriesExpected * 0.999;
        return Judged(Id, Text, devices >= 2_000, met, value, $"{devices:N0} devices; delivered {ours.DeliveriesReceived:N0}/{ours.DeliveriesExpected:N0}");
    }

    private static TargetResult SteadyCpuVsSignalR(BenchRun run)
    {
        const string Id = "steady-cpu-vs-signalr";
        const string Text = "Issue 15: server CPU per message at 1,000 msg/s within 2x the SignalR hub's";
        if (SteadyAt1000(run, out string? why) is not (var ours, var hub, var devices))
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", why!);
        }

        double? oursMs = CpuMsPerMessage(ours);
        double? hubMs = CpuMsPerMessage(hub);
        double? ratio = Ratio(oursMs, hubMs);
        string value = $"{Fmt(oursMs)} ms vs {Fmt(hubMs)} ms of CPU a message = {Fmt(ratio)}x";
        return Judged(Id, Text, devices >= 2_000 && ratio is not null, ratio <= 2, value, $"{devices:N0} devices; CPU seconds over the step and its drain / acked sends");
    }

    private static TargetResult BurstVs(BenchRun run, string id, string baselineName, double bound, FanoutResult? baseline)
    {
        string text = $"Issue 15: burst of 10 to 10,000 members within {Fmt(bound)}x the {baselineName}";
        if (LargestFanout(run, baseline, out string? why) is not (var ours, var theirs))
        {
            return new(id, text, TargetResult.NotMeasured, "—", why!);
        }

        double? ratio = Ratio(ours.BurstCompletionMs, theirs.BurstCompletionMs);
        string value = $"{ours.Members:N0} members: {Fmt(ours.BurstCompletionMs)} ms vs {Fmt(theirs.BurstCompletionMs)} ms = {Fmt(ratio)}x";
        bool met = ratio <= bound && ours.Burst.Received == ours.Burst.Expected;
        return Judged(id, text, ours.Members >= 10_000, met, value, $"delivered {ours.Burst.Received:N0}/{ours.Burst.Expected:N0}");
    }

    private static TargetResult SingleVsBare(BenchRun run)
    {
        const string Id = "single-vs-bare";
        const string Text = "Issue 15: one message's last delivery to 10,000 members within 1.2x the bare broadcast";
        if (LargestFanout(run, run.FanoutBareWebSocket, out string? why) is not (var ours, var bare))
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", why!);
        }

        double? ratio = Ratio(ours.Single.LastMs, bare.Single.LastMs);
        string value = $"{ours.Members:N0} members: {Fmt(ours.Single.LastMs)} ms vs {Fmt(bare.Single.LastMs)} ms = {Fmt(ratio)}x";
        return Judged(Id, Text, ours.Members >= 10_000, ratio <= 1.2 && ours.Single.Complete, value, $"delivered {ours.Single.Received:N0}/{ours.Single.Expected:N0}");
    }

    private static TargetResult ManyChatsVsHotChat(BenchRun run)
    {
        const string Id = "throughput-many-vs-hot";
        const string Text = "Issue 15: acked msg/s across 1,000 chats at least 1.5x one hot chat on the same store";
        var stores = run.Throughput
            .Select(t => (t.Settings.Store, Many: t.Runs.FirstOrDefault(r => r.Shape == "many-chats"), Hot: t.Runs.FirstOrDefault(r => r.Shape == "one-hot-chat")))
            .Where(s => s.Many is not null && s.Hot is not null)
            .ToList();
        if (stores.Count == 0)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "throughput-embedded", "scenario 3 did not run"));
        }

        string value = string.Join("; ", stores.Select(s => $"{s.Store}: {Fmt(s.Many!.AckedPerSecond)} vs {Fmt(s.Hot!.AckedPerSecond)} msg/s = {Fmt(Ratio(s.Many.AckedPerSecond, s.Hot.AckedPerSecond))}x"));
        int chats = stores.Min(s => s.Many!.Chats);
        bool met = stores.All(s => Ratio(s.Many!.AckedPerSecond, s.Hot!.AckedPerSecond) >= 1.5 && s.Many.PersistedMatchesAcked && s.Hot.PersistedMatchesAcked);
        return Judged(Id, Text, chats >= 1_000, met, value, $"{chats:N0} chats");
    }

    private static TargetResult IdleConnectionMemory(BenchRun run)
    {
        const string Id = "idle-connection-memory";
        const string Text = "Issue 15: memory per idle connection with its grains at most 20 KiB";
        if (run.Connections is not { } c || c.ServerBytesPerConnection is not { } perConnection)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "connections", "scenario 4 did not run on a server it started"));
        }

        return Judged(Id, Text, c.StillOpenAfterHold == c.Devices, perConnection <= 20 * 1024, Bytes(perConnection),
            $"{c.StillOpenAfterHold:N0} of {c.Devices:N0} devices held");
    }

    private static TargetResult IdleGatewayCpu(BenchRun run)
    {
        const string Id = "idle-gateway-cpu";
        const string Text = "Issue 15: a gateway with 10,000 idle devices uses under 0.02 cores";
        if (run.Connections is not { } c || c.ServerIdleCores is not { } cores)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "connections", "scenario 4 did not run on a server it started"));
        }

        return Judged(Id, Text, c.StillOpenAfterHold >= 10_000, cores < 0.02, $"{cores.ToString("0.000", CultureInfo.InvariantCulture)} cores",
            $"{c.StillOpenAfterHold:N0} of {c.Devices:N0} devices held, CPU over {Fmt(c.IdleCpu!.WallSeconds)} s");
    }

    private static TargetResult SenderLatency(BenchRun run)
    {
        const string Id = "sender-many-chats-latency";
        const string Text = "Issue 15: send-to-ack and send-to-delivery P95 of a sender in 300 chats within 1.2x of a sender in 1 chat";
        if (run.SenderInManyChats is not { } s)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "sender-in-many-chats", "scenario 6 did not run"));
        }

        string value = $"ack P95 {Fmt(s.ManyChats.AckLatency.P95Ms)} vs {Fmt(s.OneChat.AckLatency.P95Ms)} ms = {Fmt(s.AckP95Ratio)}x; delivery P95 {Fmt(s.ManyChats.DeliveryLatency.P95Ms)} vs {Fmt(s.OneChat.DeliveryLatency.P95Ms)} ms = {Fmt(s.DeliveryP95Ratio)}x";
        bool complete = s.OneChat.DeliveriesReceived == s.OneChat.DeliveriesExpected && s.ManyChats.DeliveriesReceived == s.ManyChats.DeliveriesExpected;
        bool met = complete && Within(s.AckP95Ratio, 1.2) && Within(s.DeliveryP95Ratio, 1.2);
        return Judged(Id, Text, s.ManyChats.Chats >= 300, met, value, $"{s.ManyChats.Chats:N0} chats, {s.ManyChats.Acked:N0} and {s.OneChat.Acked:N0} sends");
    }

    private static TargetResult SenderGrainCalls(BenchRun run)
    {
        const string Id = "sender-many-chats-calls";
        const string Text = "Issue 15: grain calls per send of a sender in 300 chats equal to a sender in 1 chat within ±1";
        if (run.SenderInManyChats is not { } s)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", Why(run, "sender-in-many-chats", "scenario 6 did not run"));
        }

        if (s.CallsPerSendDifference is not { } difference)
        {
            return new(Id, Text, TargetResult.NotMeasured, "—", s.MetricsError ?? "no sends acked");
        }

        string value = $"{Fmt(s.ManyChats.GrainCallsPerSend)} vs {Fmt(s.OneChat.GrainCallsPerSend)} calls a send (difference {Fmt(difference)})";
        return Judged(Id, Text, s.ManyChats.Chats >= 300, Math.Abs(difference) <= 1, value,
            $"calls to ChatOrleans.* grains less the idle rate; Orleans' own (stream queues, pub/sub) {Fmt(s.ManyChats.RuntimeCallsPerSend)} vs {Fmt(s.OneChat.RuntimeCallsPerSend)} a send");
    }

    /// <summary>Met or not met when the run had the issue's sizes; otherwise not measured, with the number and why.</summary>
    private static TargetResult Judged(string id, string text, bool sized, bool met, string value, string detail) =>
        sized
            ? new(id, text, met ? TargetResult.Met : TargetResult.NotMet, value, detail)
            : new(id, text, TargetResult.NotMeasured, value, "below the issue's size: " + detail);

    /// <summary>Whether <paramref name="ratio"/> lies within a factor of <paramref name="bound"/> either way.</summary>
    private static bool Within(double? ratio, double bound) => ratio is > 0 and var r && Math.Max(r, 1 / r) <= bound;

    private static double? CpuMsPerMessage(RateStepResult step) =>
        step.Acked > 0 && step.Cpu.ServerCpuSeconds > 0 ? Math.Round(step.Cpu.ServerCpuSeconds * 1000 / step.Acked, 3) : null;

    private static (RateStepResult Ours, RateStepResult Hub, int Devices)? SteadyAt1000(BenchRun run, out string? why)
    {
        RateStepResult? ours = run.SteadyLatency?.Steps.FirstOrDefault(x => x.TargetRate == 1_000);
        RateStepResult? hub = run.SteadyLatencySignalR?.Steps.FirstOrDefault(x => x.TargetRate == 1_000);
        why = run.SteadyLatency is null ? Why(run, "steady-latency", "scenario 1 did not run")
            : ours is null ? "the ladder did not reach 1,000 msg/s"
            : hub is null ? Why(run, "steady-latency-signalr", "no SignalR baseline at 1,000 msg/s")
            : null;
        return why is null ? (ours!, hub!, run.SteadyLatency!.ConnectedDevices) : null;
    }

    private static (FanoutRoundResult Ours, FanoutRoundResult Baseline)? LargestFanout(BenchRun run, FanoutResult? baseline, out string? why)
    {
        FanoutRoundResult? ours = run.Fanout?.Rounds.FirstOrDefault(r => r.Members >= 10_000) ?? run.Fanout?.Rounds.MaxBy(r => r.Members);
        FanoutRoundResult? theirs = ours is null ? null : baseline?.Rounds.FirstOrDefault(r => r.Members == ours.Members);
        why = ours is null ? Why(run, "fanout", "scenario 2 did not run") : theirs is null ? "no baseline of the same size" : null;
        return why is null ? (ours!, theirs!) : null;
    }
}
