using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps every entry a process writes, at every level it lets through, for
/// tests that assert what was logged (register it through <see cref="TestGateway"/>'s services
/// hook). Waits are on the entries, not on time.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Forgets what was captured so far (e.g. the start-up of a process).</summary>
    public void Clear() => _entries.Clear();

    public void Dispose()
    {
    }

    /// <summary>Waits until at least <paramref name="count"/> entries match; throws on timeout.</summary>
    public async Task<IReadOnlyList<CapturedLog>> WaitForAsync(Func<CapturedLog, bool> match, int count, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var found = _entries.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{found.Count} of {count} expected log entries within {timeout}.");
            }
        }
    }

    private void Add(CapturedLog entry)
    {
        _entries.Enqueue(entry);
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a provider that writes them (JSON console, OTLP) would show them.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Add(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}

/// <summary>One captured log entry: the formatted message, its structured values and the exception, if any.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string Values, Exception? Exception)
{
    /// <summary>Everything the entry would show in any provider: message, values and exception.</summary>
    public string Text => $"{Message} {Values} {Exception}";
}
