using System.Diagnostics;
using System.Net;

namespace ChatOrleans.Tests.Hostile;

/// <summary>
/// Asks <c>/healthz</c> every few milliseconds from a thread of its own, with blocking calls, so
/// that the probe's own timings do not depend on the test's thread pool (which the attack keeps
/// busy). Records the slowest answer and every failure while it runs.
/// </summary>
public sealed class HealthProbe : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly Thread _thread;
    private readonly List<string> _failures = [];
    private readonly List<double> _latenciesMs = [];
    private volatile bool _stop;

    public HealthProbe(Uri baseUri)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };
        _uri = new Uri(baseUri, "healthz");
        _thread = new Thread(Run) { IsBackground = true, Name = "healthz probe" };

        // One answer first, so the connection is open and warm before the attack starts.
        Probe();
        lock (_latenciesMs)
        {
            _latenciesMs.Clear();
            _failures.Clear();
        }

        _thread.Start();
    }

    /// <summary>Stops the probe and fails unless every answer was 200 within <paramref name="bound"/>.</summary>
    public string AssertHealthyWithin(TimeSpan bound)
    {
        Stop();

        // One more answer after the attack, so a short attack is judged too.
        Probe();
        lock (_latenciesMs)
        {
            Assert.True(_failures.Count == 0, $"/healthz failed {_failures.Count} times: {string.Join("; ", _failures.Take(5))}");
            var sorted = _latenciesMs.Order().ToList();
            var worst = sorted[^1];
            var summary = $"/healthz took up to {worst:F0} ms (median {sorted[sorted.Count / 2]:F1} ms over {sorted.Count} probes); the bound is {bound.TotalMilliseconds:F0} ms.";
            Assert.True(worst < bound.TotalMilliseconds, summary);
            return summary;
        }
    }

    public void Stop()
    {
        if (!_stop)
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose()
    {
        Stop();
        _http.Dispose();
    }

    private void Run()
    {
        while (!_stop)
        {
            Probe();
            Thread.Sleep(Interval);
        }
    }

    private void Probe()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            using var response = _http.Send(request);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            lock (_latenciesMs)
            {
                _latenciesMs.Add(elapsed);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    _failures.Add($"{(int)response.StatusCode} after {elapsed:F0} ms");
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            lock (_latenciesMs)
            {
                _failures.Add($"{ex.GetType().Name} after {clock.Elapsed.TotalMilliseconds:F0} ms: {ex.Message}");
            }
        }
    }
}
