namespace ChatOrleans.LoadGen.Scenarios;

/// <summary>
/// Grain calls per send from the windows of <see cref="SenderInManyChatsScenario"/>: a sender's calls by interface over
/// all its windows, less the idle rate of each interface over the same seconds, divided by its acked sends.
/// </summary>
internal static class SenderCosts
{
    /// <summary>Calls a second each interface receives while nobody sends, over every idle window together.</summary>
    public static IReadOnlyDictionary<string, double> BackgroundPerSecond(IReadOnlyList<SenderWindow> windows, bool measured)
    {
        var idle = windows.Where(w => w.Kind == "idle").ToList();
        double seconds = idle.Sum(w => w.Seconds);
        if (!measured || seconds <= 0)
        {
            return new Dictionary<string, double>();
        }

        return Totals(idle).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / seconds, 3), StringComparer.Ordinal);
    }

    internal static SenderCost Summarize(
        SenderInManyChatsScenario.Sender sender, int chats, IReadOnlyList<SenderWindow> windows,
        IReadOnlyDictionary<string, double> background, bool measured)
    {
        var own = windows.Where(w => w.Kind == sender.Name).ToList();
        long acked = own.Sum(w => w.Acked);
        double seconds = own.Sum(w => w.Seconds);
        double? cpuMs = acked > 0 ? Math.Round(own.Sum(w => w.Cpu.ServerCpuSeconds) * 1000 / acked, 3) : null;
        var byInterface = new Dictionary<string, double>(StringComparer.Ordinal);
        double? product = null;
        double? runtime = null;
        if (measured && acked > 0)
        {
            Dictionary<string, double> totals = Totals(own);
            foreach (string grainInterface in background.Keys)
            {
                totals.TryAdd(grainInterface, 0);
            }

            var perSend = totals.ToDictionary(kv => kv.Key, kv => (kv.Value - background.GetValueOrDefault(kv.Key) * seconds) / acked, StringComparer.Ordinal);
            foreach ((string grainInterface, double calls) in perSend.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                byInterface[grainInterface] = Math.Round(calls, 2);
            }

            product = Math.Round(perSend.Where(kv => SenderInManyChatsScenario.IsProduct(kv.Key)).Sum(kv => kv.Value), 2);
            runtime = Math.Round(perSend.Where(kv => !SenderInManyChatsScenario.IsProduct(kv.Key)).Sum(kv => kv.Value), 2);
        }

        return new SenderCost(
            sender.Name, chats, own.Sum(w => w.Sent), acked, sender.Tally.ErrorCounts(),
            sender.Tally.Ack.Summarize(), Interlocked.Read(ref sender.Tally.Expected), Interlocked.Read(ref sender.Tally.Received), sender.Tally.Delivery.Summarize(),
            own.Sum(w => w.MessagesStored), product, runtime, byInterface, cpuMs);
    }

    private static Dictionary<string, double> Totals(IEnumerable<SenderWindow> windows)
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (SenderWindow window in windows)
        {
            foreach ((string grainInterface, double calls) in window.GrainCalls)
            {
                totals[grainInterface] = totals.GetValueOrDefault(grainInterface) + calls;
            }
        }

        return totals;
    }
}
