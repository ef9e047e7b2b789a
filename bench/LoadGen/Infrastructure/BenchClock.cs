using System.Diagnostics;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>
/// The generator's one clock: <see cref="Stopwatch"/> ticks (CLOCK_MONOTONIC on Linux). Send times are embedded in
/// the message and compared with the receive time of the same process, so no clock synchronisation is involved.
/// </summary>
public static class BenchClock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long TicksFromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static long ToMicroseconds(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    public static double SecondsSince(long start) => (Now - start) / (double)Stopwatch.Frequency;

    /// <summary>Waits until <paramref name="deadline"/> (timer resolution, about a millisecond).</summary>
    public static Task DelayUntil(long deadline, CancellationToken cancellationToken = default)
    {
        long remaining = deadline - Now;
        return remaining <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken);
    }
}
