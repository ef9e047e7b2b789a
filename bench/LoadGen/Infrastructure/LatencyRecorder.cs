using HdrHistogram;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>
/// A thread-safe latency histogram in microseconds (HdrHistogram, 3 significant digits, up to 10 minutes), with the exact
/// minimum and maximum kept beside it.
/// </summary>
public sealed class LatencyRecorder
{
    private const long HighestMicroseconds = 600_000_000;
    private readonly LongConcurrentHistogram _histogram = new(1, HighestMicroseconds, 3);
    private long _count;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Records a latency given in <see cref="BenchClock"/> ticks.</summary>
    public void RecordTicks(long ticks) => RecordMicroseconds(BenchClock.ToMicroseconds(ticks));

    public void RecordMicroseconds(long microseconds)
    {
        long value = Math.Clamp(microseconds, 1, HighestMicroseconds);
        _histogram.RecordValue(value);
        Interlocked.Increment(ref _count);
        InterlockedExtremes.LowerTo(ref _min, value);
        InterlockedExtremes.RaiseTo(ref _max, value);
    }

    public LatencySummary Summarize()
    {
        long count = Count;
        if (count == 0)
        {
            return LatencySummary.Empty;
        }

        var min = Interlocked.Read(ref _min);
        var max = Interlocked.Read(ref _max);

        // A histogram reports a bucket's upper edge, which can lie past the exact extremes.
        long At(double percentile) => Math.Clamp(_histogram.GetValueAtPercentile(percentile), min, max);

        return new LatencySummary(
            count,
            Ms(min),
            Ms(At(50)),
            Ms(At(95)),
            Ms(At(99)),
            Ms(max),
            Math.Round(_histogram.GetMean() / 1000.0, 3));
    }

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MinMs, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
