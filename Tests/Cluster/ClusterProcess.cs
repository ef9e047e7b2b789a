using System.Diagnostics;
using System.Net;
using ChatOrleans.Tests.Infrastructure;

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
/// It runs as a <see cref="WatchedProcess"/>: its watchdog SIGKILLs it when the test process is
/// gone, so a test host killed by a hang timeout leaves no cluster behind. <see cref="Kill"/>
/// sends SIGKILL to the whole tree, the watchdog included.
/// </remarks>
public sealed class ClusterProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly WatchedProcess _process;

    private ClusterProcess(string name, ClusterRole role, int siloPort, int gatewayPort, int httpPort, WatchedProcess process)
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
        var options = new WatchedProcessOptions
        {
            WorkingDirectory = workingDirectory,
            Environment = new Dictionary<string, string?>
            {
                // Several processes share two cores: workstation GC keeps each one small and polite.
                ["DOTNET_gcServer"] = "0",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = null,
            },
            MaxLogLines = 20_000,
            Timestamps = true,
        };
        var process = WatchedProcess.Start(name, [DotnetHost(), dll, .. arguments], options);
        return new ClusterProcess(name, role, siloPort, gatewayPort, httpPort, process);
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
        _process.Note("=== SIGKILL from the test ===");
        _process.Kill();
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

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>Lines of this process's output that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLinesContaining(string text) => _process.LogLinesContaining(text);

    /// <summary>Writes everything this process printed (up to the last 20,000 lines) to <paramref name="path"/>.</summary>
    public void SaveLog(string path) => _process.SaveLog(path);

    public string LogTail(int lines = 80) =>
        _process.LogTail(lines, $"{Name} ({Role}, http {HttpPort}, silo {SiloPort}, gateway {GatewayPort})");

    public void Dispose()
    {
        if (!HasExited)
        {
            Kill();
        }

        // Waits up to 5 s for the tree to go, then lets the process handle go.
        _process.Dispose();
    }

    public override string ToString() => $"{Name} ({BaseUri})";

    /// <summary>The <c>dotnet</c> that runs the tests (the CLI sets <c>DOTNET_HOST_PATH</c>), else the one on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
