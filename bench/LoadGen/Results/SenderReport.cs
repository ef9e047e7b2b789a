using System.Globalization;
using System.Text;
using ChatOrleans.LoadGen.Scenarios;
using static ChatOrleans.LoadGen.Results.Targets;

namespace ChatOrleans.LoadGen.Results;

/// <summary>The report's section for scenario 6, sender in many chats.</summary>
internal static class SenderReport
{
    public static void Render(StringBuilder md, BenchRun run)
    {
        if (run.SenderInManyChats is not { } s)
        {
            return;
        }

        SenderInManyChatsSettings settings = s.Settings;
        md.AppendLine("### 6. Sender in many chats");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"One sender in 1 group and another in {s.ManyChats.Chats:N0} groups, every group of {settings.GroupSize} with members of its own, all online ({s.ConnectedDevices:N0} devices); after {Fmt(settings.WarmupSeconds)} s of warm-up each, each sender in turn sends into one of its groups at {Fmt(settings.Rate)} msg/s for {Fmt(settings.Seconds)} s while the other is silent, {settings.Rounds} windows each, interleaved (one chat first in odd rounds, last in even ones); each window ends {Fmt(settings.TailSeconds)} s after its last delivery. Latency from when a message was due to its ack and to each other member's `new_message`. Grain calls per send: the growth of `chatorleans_grain_calls_total` (by interface, read from the server's `/metrics`) over the sender's windows, less each interface's rate in two idle windows of {Fmt(settings.IdleSeconds)} s over the same seconds, divided by its acked sends; the product's grains (`ChatOrleans.*`) apart from Orleans' own (stream queues polled every few milliseconds, pub/sub).");
        md.AppendLine();
        if (s.MetricsError is { } error)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Metrics were not read: {MarkdownReport.Cell(error)}.");
            md.AppendLine();
        }

        md.AppendLine("| sender | chats | acked / sent | ack P50 / P95 ms | delivery P50 / P95 ms | delivered | stored | grain calls a send | Orleans' calls a send | server CPU ms a send |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (SenderCost c in new[] { s.OneChat, s.ManyChats })
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.Sender} | {c.Chats:N0} | {c.Acked:N0} / {c.Sent:N0} | {Fmt(c.AckLatency.P50Ms)} / {Fmt(c.AckLatency.P95Ms)} | {Fmt(c.DeliveryLatency.P50Ms)} / {Fmt(c.DeliveryLatency.P95Ms)} | {c.DeliveriesReceived:N0}/{c.DeliveriesExpected:N0} | {c.MessagesStored:N0} | **{Fmt(c.GrainCallsPerSend)}** | {Fmt(c.RuntimeCallsPerSend)} | {Fmt(c.ServerCpuMsPerSend)} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Many chats over one chat: ack P50 {Fmt(s.AckP50Ratio)}x, P95 **{Fmt(s.AckP95Ratio)}x**; delivery P50 {Fmt(s.DeliveryP50Ratio)}x, P95 **{Fmt(s.DeliveryP95Ratio)}x**; grain calls a send differ by **{Fmt(s.CallsPerSendDifference)}**.");
        md.AppendLine();
        RenderWindows(md, s);
        RenderInterfaces(md, s);
    }

    /// <summary>Each window on its own, so a stall of the shared box in one of them shows as that window's, not a sender's.</summary>
    private static void RenderWindows(StringBuilder md, SenderInManyChatsResult s)
    {
        md.AppendLine("| window | round | seconds | acked | ack P50 / P95 ms | delivery P50 / P95 ms | calls to `ChatOrleans.*` (before the idle rate is taken off) | server CPU |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (SenderWindow w in s.Windows)
        {
            double product = w.GrainCalls.Where(kv => SenderInManyChatsScenario.IsProduct(kv.Key)).Sum(kv => kv.Value);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {w.Kind} | {w.Round} | {Fmt(w.Seconds)} | {w.Acked:N0} | {Fmt(w.AckLatency?.P50Ms)} / {Fmt(w.AckLatency?.P95Ms)} | {Fmt(w.DeliveryLatency?.P50Ms)} / {Fmt(w.DeliveryLatency?.P95Ms)} | {Fmt(product)} | {MarkdownReport.Cores(w.Cpu.ServerCpuSeconds, w.Cpu.WallSeconds)} |");
        }

        md.AppendLine();
    }

    /// <summary>Per interface, the calls a send of each sender (after the idle rate is taken off); interfaces under 0.05 for both left out.</summary>
    private static void RenderInterfaces(StringBuilder md, SenderInManyChatsResult s)
    {
        var rows = s.OneChat.CallsPerSendByInterface.Keys.Union(s.ManyChats.CallsPerSendByInterface.Keys)
            .Select(i => (Interface: i, One: s.OneChat.CallsPerSendByInterface.GetValueOrDefault(i), Many: s.ManyChats.CallsPerSendByInterface.GetValueOrDefault(i)))
            .Where(r => Math.Abs(r.One) >= 0.05 || Math.Abs(r.Many) >= 0.05)
            .OrderByDescending(r => Math.Abs(r.Many - r.One))
            .ToList();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("| grain interface | calls a send, one chat | many chats | difference | idle calls a second |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach ((string grainInterface, double one, double many) in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| `{grainInterface}` | {Fmt(one)} | {Fmt(many)} | {Fmt(Math.Round(many - one, 2))} | {Fmt(s.BackgroundCallsPerSecond.GetValueOrDefault(grainInterface))} |");
        }

        md.AppendLine();
    }
}
