using System.Diagnostics;
using System.Net;

namespace ChatOrleans.Tests.Cluster;

public enum ClusterRole
{
    Silo,
    Gateway,
}

/// <summary>
/// One backend silo or gateway of a <see cref="ProductionCluster"/>: a separate
/// <c>dotnet ChatOrleans.Silo.dll</c> or <c>dotnet ChatOrleans.Gateway.dll</c> process, built by the
/// same build as the test assembly, with its own ports. Its output is kept for failure reports.
/// </summary>
/// <remarks>
/// It runs under a small <c>sh</c> watchdog that SIGKILLs it when the test process is gone, so a
/// test host killed by a hang timeout leaves no cluster behind. <see cref="Kill"/> sends SIGKILL
/// to the whole tree, the watchdog included.
/// </remarks>
public sealed class ClusterProcess : IDisposable
{
    private const int MaxLogLines = 20_000;

    // $1: the process to outlive; the rest: the command. Polls once a second; costs nothing else.
    private const string Watchdog =
        """
        watch=$1; shift
        "$@" &
        child=$!
        while kill -0 "$watch" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill -9 "$child" 2>/dev/null
        wait "$child"
        """;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly List<string> _log = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ClusterProcess(string name, ClusterRole role, int siloPort, int gatewayPort, int httpPort, Process process)
    {
        Name = name;
        Role = role;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        BaseUri = new Uri($"http://127.0.0.1:{httpPort}/");
        _process = process;
    }

    public string Name { get; }

    public ClusterRole Role { get; }

    /// <summary>The silo-to-silo port (a backend silo's identity in the membership table).</summary>
    public int SiloPort { get; }

    /// <summary>The port cluster clients connect to.</summary>
    public int GatewayPort { get; }

    public int HttpPort { get; }

    /// <summary>The HTTP root: <c>/healthz</c>, and on a gateway the API and <c>/ws</c>; on a silo <c>/dashboard</c>.</summary>
    public Uri BaseUri { get; }

    public bool Killed { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>.</summary>
    public static ClusterProcess Start(
        string name, ClusterRole role, string dll, IEnumerable<string> arguments, string workingDirectory,
        int siloPort, int gatewayPort, int httpPort)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Watchdog);
        info.ArgumentList.Add("chatorleans-" + name);
        info.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(DotnetHost());
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Several processes share two cores: workstation GC keeps each one small and polite.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("ASPNETCORE_URLS");

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new ClusterProcess(name, role, siloPort, gatewayPort, httpPort, process);
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

    /// <summary>Polls <c>/healthz</c> until it answers 200; fails early when the process exits.</summary>
    public async Task WaitForHealthAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var uri = new Uri(BaseUri, "healthz");
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was healthy.\n{LogTail()}");
            }

            try
            {
                using var response = await Http.GetAsync(uri);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} did not answer /healthz within {timeout}.\n{LogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>SIGKILL to the process and its watchdog: no shutdown, no flush, as in a crash.</summary>
    public void Kill()
    {
        Killed = true;
        Append("=== SIGKILL from the test ===");
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// The resident memory of the server process itself (the watchdog's child, not the watchdog),
    /// read from <c>/proc</c>; null once it is gone.
    /// </summary>
    public long? ServerRssBytes()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var child in children)
            {
                var status = File.ReadLines($"/proc/{child}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (status is not null)
                {
                    // "VmRSS:   123456 kB"
                    var kilobytes = long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
                    return kilobytes * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Gone, or not started.
        }

        return null;
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>Lines of this process's output that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text)
    {
        lock (_log)
        {
            return [.. _log.Where(l => l.Contains(text, StringComparison.Ordinal))];
        }
    }

    /// <summary>Writes everything this process printed (up to the last 20,000 lines) to <paramref name="path"/>.</summary>
    public void SaveLog(string path)
    {
        lock (_log)
        {
            File.WriteAllLines(path, _log);
        }
    }

    public string LogTail(int lines = 80)
    {
        lock (_log)
        {
            return $"--- {Name} ({Role}, http {HttpPort}, silo {SiloPort}, gateway {GatewayPort}), last {Math.Min(lines, _log.Count)} of {_log.Count} lines ---\n"
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

    public override string ToString() => $"{Name} ({BaseUri})";

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

            _log.Add($"[{_clock.Elapsed.TotalSeconds,7:F2}s] {line}");
        }
    }

    /// <summary>The <c>dotnet</c> that runs the tests (the CLI sets <c>DOTNET_HOST_PATH</c>), else the one on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
