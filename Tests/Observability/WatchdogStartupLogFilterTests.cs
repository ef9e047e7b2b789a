using ChatOrleans.Grains.Hosting;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// Orleans' watchdog claims a stall as long as the machine's uptime at every start; only that
/// record is dropped. The records are built with the templates and event id Orleans uses.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WatchdogStartupLogFilterTests
{
    private static readonly Action<ILogger, TimeSpan, Exception?> ParticipantStall = LoggerMessage.Define<TimeSpan>(
        LogLevel.Warning, new EventId(WatchdogStartupLogFilter.StallEventId),
        "Participant check thread has not completed for {TimeSinceLastTick}, potentially indicating lock contention or deadlock, CPU starvation, or another execution anomaly.");

    private static readonly Action<ILogger, TimeSpan, TimeSpan, Exception?> PlatformStall = LoggerMessage.Define<TimeSpan, TimeSpan>(
        LogLevel.Warning, new EventId(WatchdogStartupLogFilter.StallEventId),
        ".NET Runtime Platform stalled for {TimeSinceLastTick}. Total GC Pause duration during that period: {PauseDurationSinceLastTick}.");

    [Fact]
    public void AParticipantStallLongerThanTheProcessHasLivedIsDroppedAndAShortOnePasses()
    {
        var (logger, lines) = WatchdogLogger();

        ParticipantStall(logger, TimeSpan.FromDays(3), null);
        Assert.Empty(lines.Entries);

        ParticipantStall(logger, TimeSpan.FromMilliseconds(1), null);
        Assert.Equal(WatchdogStartupLogFilter.WatchdogTypeName, Assert.Single(lines.Entries).Category);
    }

    [Fact]
    public void APlatformStallIsNeverDroppedHoweverLong()
    {
        var (logger, lines) = WatchdogLogger();

        PlatformStall(logger, TimeSpan.FromDays(3), TimeSpan.Zero, null);

        Assert.Equal(WatchdogStartupLogFilter.WatchdogTypeName, Assert.Single(lines.Entries).Category);
    }

    [Fact]
    public void TheWatchdogsOwnCategoryAndLevelsStay()
    {
        var (logger, _) = WatchdogLogger();

        Assert.Equal("FilteringLogger`1", logger.GetType().Name);
        Assert.False(logger.IsEnabled(LogLevel.Debug));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
    }

    /// <summary>The logger a silo hands Orleans' (internal) watchdog, over a capturing provider at Information.</summary>
    private static (ILogger Logger, CapturingLoggerProvider Lines) WatchdogLogger()
    {
        var lines = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(lines))
            .AddWatchdogStartupLogFilter()
            .BuildServiceProvider();
        var watchdog = typeof(Silo).Assembly.GetType(WatchdogStartupLogFilter.WatchdogTypeName)
            ?? throw new InvalidOperationException("Orleans has no type " + WatchdogStartupLogFilter.WatchdogTypeName + " any more: the filter swaps nothing.");
        return ((ILogger)services.GetRequiredService(typeof(ILogger<>).MakeGenericType(watchdog)), lines);
    }
}
