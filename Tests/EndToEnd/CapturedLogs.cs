using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>A logger provider that keeps every line a process writes (message and exception), to check what reaches logs.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLine> _lines = new();

    public IReadOnlyList<CapturedLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record CapturedLine(string Category, LogLevel Level, EventId EventId, string Text);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a provider that writes them (JSON console, OTLP) would show them.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner._lines.Enqueue(new CapturedLine(category, logLevel, eventId, $"{formatter(state, exception)} {values} {exception}"));
        }
    }
}
