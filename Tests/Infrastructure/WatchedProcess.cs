using System.Diagnostics;
using System.Globalization;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A server the tests start themselves (a private Redis, a private PostgreSQL), run under a small
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
    private const int MaxLogLines = 5_000;

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
    private readonly List<string> _log = [];

    private WatchedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <paramref name="command"/> under the watchdog. <paramref name="orphanSignal"/> is what
    /// the server gets when the test process dies (PostgreSQL's postmaster takes its backends down
    /// on QUIT; a SIGKILLed postmaster would leave them to notice on their own).
    /// </summary>
    public static WatchedProcess Start(string name, IReadOnlyList<string> command, string orphanSignal = "KILL")
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Watchdog);
        info.ArgumentList.Add("chatorleans-" + name);
        info.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(orphanSignal);
        foreach (var part in command)
        {
            info.ArgumentList.Add(part);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new WatchedProcess(name, process);
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

    public string LogTail(int lines = 40)
    {
        lock (_log)
        {
            return $"--- {Name}, last {Math.Min(lines, _log.Count)} of {_log.Count} lines ---\n"
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
            if (_log.Count >= MaxLogLines)
            {
                _log.RemoveRange(0, MaxLogLines / 10);
            }

            _log.Add(line);
        }
    }
}
