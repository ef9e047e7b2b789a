using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server (Debian's, installed by <c>./test.sh</c> through
/// <c>deploy/services/prometheus.sh</c>) that scrapes the given targets every second, on a free
/// loopback port with its own data folder. Tests ask it through its own HTTP query API, as an
/// operator's dashboards and alerts would. Without <c>CHATORLEANS_TEST_PROMETHEUS</c> (the binary)
/// the tests that need it fail with a message saying so.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "CHATORLEANS_TEST_PROMETHEUS";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly TempDirectory _work;
    private readonly StringBuilder _output = new();

    private PrometheusServer(Process process, TempDirectory work, Uri baseUri)
    {
        _process = process;
        _work = work;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>Starts a server scraping <c>/metrics</c> of each target (job name → base URIs) every second.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, IReadOnlyList<Uri>> jobs)
    {
        var binary = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(binary) || !File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} must name the prometheus binary (./test.sh sets it: deploy/services/prometheus.sh path).");
        }

        var work = new TempDirectory();
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
        foreach (var (job, targets) in jobs)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: \"{job}\"\n    metrics_path: /metrics\n    static_configs:\n      - targets: [");
            config.Append(string.Join(", ", targets.Select(t => $"\"{t.Authority}\"")));
            config.Append("]\n");
        }

        var configPath = Path.Combine(work.Path, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var port = FreePorts.Next();
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"--config.file={configPath}");
        info.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(work.Path, "data")}");
        info.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, work, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>An instant query: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promQl)
    {
        var uri = new Uri(BaseUri, "api/v1/query?query=" + Uri.EscapeDataString(promQl));
        using var document = JsonDocument.Parse(await Http.GetStringAsync(uri));
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused {promQl}: {root}");
        }

        var results = new List<(Dictionary<string, string>, double)>();
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            var value = series.GetProperty("value")[1].GetString()!;
            results.Add((labels, double.Parse(value, CultureInfo.InvariantCulture)));
        }

        return results;
    }

    /// <summary>Asks until <paramref name="satisfied"/> holds for the answer; fails with the last answer after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForAsync(
        string promQl, Func<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>, bool> satisfied, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await QueryAsync(promQl);
            if (satisfied(answer))
            {
                return answer;
            }

            if (clock.Elapsed > timeout)
            {
                var shown = string.Join("; ", answer.Select(a => $"{{{string.Join(",", a.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {a.Value}"));
                throw new TimeoutException($"Prometheus never answered {promQl} as expected within {timeout}; last answer: [{shown}]\n{Output()}");
            }

            // Prometheus scrapes every second: ask again after the next scrape.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        _work.Dispose();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Output()}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(BaseUri, "-/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"prometheus was not ready within {timeout}:\n{Output()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
