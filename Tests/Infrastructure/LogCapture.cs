using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>One log entry as a provider saw it: the formatted line and, when there was one, the exception.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string? Exception)
{
    public string Text => Exception is null ? Message : Message + "\n" + Exception;
}

/// <summary>
/// A logger provider that keeps every entry, for tests that read what a real process logs
/// (register it through <see cref="TestGateway"/>'s services hook). Waits are on the entries, not on time.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<CapturedLog> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

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

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Add(new CapturedLog(category, logLevel, eventId, formatter(state, exception), exception?.ToString()));
    }
}
