using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Hosting;

/// <summary>
/// Drops the one false warning Orleans' silo watchdog logs at every start: "Participant check
/// thread has not completed for 02:55:54…", a duration as long as the machine has been up.
/// </summary>
/// <remarks>
/// Orleans 10's <c>Watchdog.Start</c> starts its platform thread before it stamps the component
/// thread's start time, so the first platform check measures from timestamp zero (the boot of the
/// machine). A stall longer than this process has lived cannot be real, and only that record is
/// dropped: genuine stalls and every other record of the category pass through at the levels
/// configuration sets. The watchdog's type is internal, so its logger is swapped by name; if a
/// later Orleans renames it, nothing is swapped and the warning comes back (a test watches for it).
/// </remarks>
public static class WatchdogStartupLogFilter
{
    public const string WatchdogTypeName = "Orleans.Runtime.Watchdog";

    /// <summary>Orleans' <c>ErrorCode.SiloHeartbeatTimerStalled</c>, shared by both of the watchdog's stall warnings.</summary>
    public const int StallEventId = 100150;

    private const string ParticipantStallFormat = "Participant check thread has not completed";

    private static readonly DateTime ProcessStartedUtc = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static IServiceCollection AddWatchdogStartupLogFilter(this IServiceCollection services)
    {
        var watchdog = typeof(Orleans.Runtime.Silo).Assembly.GetType(WatchdogTypeName);
        if (watchdog is not null)
        {
            // A closed registration wins over the open ILogger<> one, wherever AddLogging runs.
            services.AddSingleton(typeof(ILogger<>).MakeGenericType(watchdog), typeof(FilteringLogger<>).MakeGenericType(watchdog));
        }

        return services;
    }

    /// <summary>True for the participant-stall warning when it claims a stall longer than the process's life.</summary>
    public static bool IsSpurious<TState>(EventId eventId, TState state, DateTime utcNow)
    {
        if (eventId.Id != StallEventId || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return false;
        }

        TimeSpan? stalled = null;
        var participantStall = false;
        foreach (var (key, value) in values)
        {
            if (key == "{OriginalFormat}" && value is string format)
            {
                participantStall = format.StartsWith(ParticipantStallFormat, StringComparison.Ordinal);
            }
            else if (value is TimeSpan duration)
            {
                stalled = duration;
            }
        }

        return participantStall && stalled > utcNow - ProcessStartedUtc;
    }

    /// <summary>The watchdog's own logger (same category), minus the record above.</summary>
    private sealed class FilteringLogger<T>(ILoggerFactory factory) : ILogger<T>
    {
        private readonly ILogger _inner = new Logger<T>(factory);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => _inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsSpurious(eventId, state, DateTime.UtcNow))
            {
                _inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
