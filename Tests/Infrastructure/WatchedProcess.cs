using System.Diagnostics;
using System.Globalization;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A server the tests start themselves (a private Redis, a private PostgreSQL, a silo or gateway of
/// <see cref="Cluster.ClusterProcess"/>), run under a small
/// <c>sh</c> watchdog that signals it when the test process is gone, so a test host killed by a
/// hang timeout leaves nothing behind. Its output is kept for failure reports.
/// </summary>
/// <remarks>
/// The watchdog runs the command as its own child and exits with it, so waiting for the
/// watchdog is waiting for the server.
/// <see cref="Kill"/> sends SIGKILL to the whole tree: the watchdog, the server and the server's
/// own children (PostgreSQL's backends).
/// </remarks>
public sealed class WatchedProcess : IDisposable
{

    // $1: the process to outlive; $2: the signal for the server when it is gone; the rest: the command.
    private const string Watchdog =
        """
        watch=$1; signal=$2; shift 2
        "$@" &
        child=$!
        while kill -0 "$watch" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill -"$signal" "$child" 2>/dev/null
        wait "$child"
        """;

    private readonly Process _process;
    private readonly WatchedProcessOptions _options;
    private readonly List<string> _log = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private WatchedProcess(string name, Process process, WatchedProcessOptions options)
    {
        Name = name;
        _process = process;
        _options = options;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The watchdog's exit code, which is the server's; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The watchdog's process id; the server is its only child.</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Starts <paramref name="command"/> under the watchdog. <paramref name="orphanSignal"/> is what
    /// the server gets when the test process dies (PostgreSQL's postmaster takes its backends down
    /// on QUIT; a SIGKILLed postmaster would leave them to notice on their own).
    /// </summary>
    public static WatchedProcess Start(string name, IReadOnlyList<string> command, string orphanSignal = "KILL") =>
        Start(name, command, new WatchedProcessOptions { OrphanSignal = orphanSignal });

    /// <summary>Starts <paramref name="command"/> under the watchdog, as <paramref name="options"/> say.</summary>
    public static WatchedProcess Start(string name, IReadOnlyList<string> command, WatchedProcessOptions options)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Watchdog);
        info.ArgumentList.Add("chatorleans-" + name);
        info.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(options.OrphanSignal);
        foreach (var part in command)
        {
            info.ArgumentList.Add(part);
        }

        foreach (var (variable, value) in options.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(variable);
            }
            else
            {
                info.Environment[variable] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new WatchedProcess(name, process, options);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: the process did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Runs a short command to its end and returns its output; throws on a non-zero exit or after <paramref name="timeout"/>.</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> command, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var part in command.Skip(1))
        {
            info.ArgumentList.Add(part);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{command[0]} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {timeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(' ', command)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }

        return await output;
    }

    /// <summary>Waits until the server (and with it the watchdog) is gone.</summary>
    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>SIGKILL to the watchdog, the server and the server's children.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Adds <paramref name="line"/> to the kept output, as if the server had printed it (a mark of what the test did).</summary>
    public void Note(string line) => Append(line);

    /// <summary>Lines of the kept output that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text)
    {
        lock (_log)
        {
            return [.. _log.Where(l => l.Contains(text, StringComparison.Ordinal))];
        }
    }

    /// <summary>Writes the kept output (up to <see cref="WatchedProcessOptions.MaxLogLines"/> lines) to <paramref name="path"/>.</summary>
    public void SaveLog(string path)
    {
        lock (_log)
        {
            File.WriteAllLines(path, _log);
        }
    }

    /// <summary>The last <paramref name="lines"/> of output under a header naming <paramref name="title"/> (the name when null).</summary>
    public string LogTail(int lines = 40, string? title = null)
    {
        lock (_log)
        {
            return $"--- {title ?? Name}, last {Math.Min(lines, _log.Count)} of {_log.Count} lines ---\n"
                + string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    public void Dispose()
    {
        if (!HasExited)
        {
            Kill();
            _process.WaitForExit(5_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Count >= _options.MaxLogLines)
            {
                _log.RemoveRange(0, _options.MaxLogLines / 10);
            }

            _log.Add(_options.Timestamps ? $"[{_clock.Elapsed.TotalSeconds,7:F2}s] {line}" : line);
        }
    }
}
