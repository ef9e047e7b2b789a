using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// A multi-process cluster (two silos, two gateways) on a private Redis and a private PostgreSQL
/// that the tests stop for real and start again: the shared test servers serve tests running in
/// parallel and must stay up.
/// </summary>
public sealed class ClusterReadinessFixture : IAsyncLifetime
{
    public PrivateRedis Redis { get; private set; } = null!;

    public PrivatePostgres Postgres { get; private set; } = null!;

    public ProductionCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Persistent, as a production membership store must be: Orleans' Redis membership table
        // does not survive losing its key under a running cluster (every read then fails with
        // "the Redis membership table version is missing" until the cluster is restarted).
        var redis = PrivateRedis.StartAsync(persistent: true);
        var postgres = PrivatePostgres.StartAsync();
        try
        {
            await Task.WhenAll(redis, postgres);
            Redis = redis.Result;
            Postgres = postgres.Result;
            Cluster = new ProductionCluster(new ProductionClusterOptions(Redis.ConnectionString, Postgres.ConnectionString));

            // On failure the cluster has cleaned up after itself.
            await Cluster.InitializeAsync();
        }
        catch
        {
            if (redis.IsCompletedSuccessfully)
            {
                await redis.Result.DisposeAsync();
            }

            if (postgres.IsCompletedSuccessfully)
            {
                await postgres.Result.DisposeAsync();
            }

            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            // The cluster first: it forgets its membership rows in Redis and drops its database on the way out.
            await Cluster.DisposeAsync();
        }
        finally
        {
            await Redis.DisposeAsync();
            await Postgres.DisposeAsync();
        }
    }

    /// <summary>After a failed test: a server it left stopped is started again, for the next test and the clean-up.</summary>
    public async Task<string> RestoreServersAsync()
    {
        var report = "";
        try
        {
            if (!Redis.IsRunning)
            {
                await Redis.StartAgainAsync();
                report += "Redis started again after the failure. ";
            }

            if (!Postgres.IsRunning)
            {
                await Postgres.StartAgainAsync();
                report += "PostgreSQL started again after the failure. ";
            }
        }
        catch (Exception ex)
        {
            report += $"Restoring the servers failed: {ex}";
        }

        return report;
    }

    /// <summary>Failure reports: the cluster's processes and both servers.</summary>
    public string DescribeLogs() => $"{Cluster.DescribeLogs()}\n{Redis.LogTail()}\n{Postgres.LogTail()}";
}

/// <summary>
/// Issue 13: <c>/healthz/ready</c> of every silo and every gateway answers 503 naming the
/// dependency that is down while Redis (the membership store) or PostgreSQL (grain state and
/// the message log) is stopped under the running cluster, while <c>/healthz</c> (liveness) stays
/// 200; and 200 again once it is back, with the cluster serving messages again.
/// </summary>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterReadinessTests(ClusterReadinessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterReadinessFixture>
{
    /// <summary>How long a process may take to notice an outage: the next check fails on a refused connection, within its 5 s timeout.</summary>
    private static readonly TimeSpan NoticeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a process may take to be ready again: a client's reconnect back-off, on busy cores.</summary>
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(90);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

    private ProductionCluster Cluster => fixture.Cluster;

    [Fact]
    public Task ReadinessNamesRedisOnEveryProcessWhileItIsStoppedAndIsReadyAgainWhenItReturns() => RunAsync(async clock =>
    {
        await fixture.Redis.StopAsync();
        Log(clock, "Redis stopped");
        await AllUnreadyNamingAsync("redis", clock);

        await fixture.Redis.StartAgainAsync();
        Log(clock, "Redis started again, with the membership table it had");
        await AllReadyAsync(RecoveryTimeout, clock);
        await SendAndReadBackAsync(clock);
    });

    [Fact]
    public Task ReadinessNamesPostgresOnEveryProcessWhileItIsStoppedAndIsReadyAgainWhenItReturns() => RunAsync(async clock =>
    {
        await fixture.Postgres.StopAsync();
        Log(clock, "PostgreSQL stopped");
        await AllUnreadyNamingAsync("postgres", clock);

        await fixture.Postgres.StartAgainAsync();
        Log(clock, "PostgreSQL started again");
        await AllReadyAsync(RecoveryTimeout, clock);
        await SendAndReadBackAsync(clock);
    });

    private async Task RunAsync(Func<Stopwatch, Task> body)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Whole and ready before anything stops (an earlier test's outage is over by now).
            Assert.True(fixture.Redis.IsRunning && fixture.Postgres.IsRunning, "a private server is still down from an earlier test");
            await Cluster.EnsureWholeAsync();
            await AllReadyAsync(RecoveryTimeout, clock);
            var before = Running();
            await body(clock);

            // Nothing was restarted: the same processes went unready and came back.
            Assert.All(before, p => Assert.False(p.HasExited, $"{p.Name} exited during the outage"));
            Assert.Equal(before, Running());
        }
        catch
        {
            output.WriteLine(fixture.DescribeLogs());
            output.WriteLine(await fixture.RestoreServersAsync());
            throw;
        }
    }

    /// <summary>Every silo and gateway answers 503 naming <paramref name="dependency"/>, and stays live (<c>/healthz</c> 200).</summary>
    private async Task AllUnreadyNamingAsync(string dependency, Stopwatch clock)
    {
        var processes = Running();
        var answers = await Task.WhenAll(processes.Select(p => WaitForReadinessAsync(
            p, r => r.Status == HttpStatusCode.ServiceUnavailable && r.Failing.Contains(dependency), NoticeTimeout)));
        foreach (var (process, answer) in processes.Zip(answers))
        {
            Assert.Equal("unready", answer.State);
            Log(clock, $"{process.Name}: 503, failing [{string.Join(", ", answer.Failing)}]");

            using var live = await Http.GetAsync(new Uri(process.BaseUri, "healthz"));
            Assert.True(live.StatusCode == HttpStatusCode.OK, $"{process.Name}: /healthz answered {(int)live.StatusCode} while {dependency} was down");
        }
    }

    private async Task AllReadyAsync(TimeSpan timeout, Stopwatch clock)
    {
        var processes = Running();
        var answers = await Task.WhenAll(processes.Select(p => WaitForReadinessAsync(p, r => r.Status == HttpStatusCode.OK, timeout)));
        Assert.All(answers, a => Assert.Equal("ready", a.State));
        Log(clock, $"all {processes.Count} processes ready");
    }

    /// <summary>The cluster really serves again: a new chat, a message sent through one gateway, read back through the other.</summary>
    private async Task SendAndReadBackAsync(Stopwatch clock)
    {
        var (east, west) = (Cluster.Gateways[0], Cluster.Gateways[1]);
        var alice = await ClusterChat.RetryAsync(() => E2E.RegisterAsync(east.BaseUri));
        var bob = await ClusterChat.RetryAsync(() => E2E.RegisterAsync(west.BaseUri));
        var chatId = (await ClusterChat.RetryAsync(() => ClusterChat.Api(east, alice).CreateGroupAsync("after the outage", [bob.UserId]))).ChatId;
        await using var alicePhone = await ClusterChat.ConnectAsync(east, alice, "phone");
        var stats = new SendStats();
        using var deadline = new CancellationTokenSource(ClusterChat.Wait);
        var sent = await ClusterChat.SendUntilAckedAsync(alicePhone, chatId, "after-outage", "we are back", stats, deadline.Token);

        var history = await ClusterChat.ReadAllHistoryAsync(ClusterChat.Api(west, bob), chatId);
        var read = Assert.Single(history);
        Assert.Equal(sent.MessageId, read.MessageId);
        Assert.Equal("we are back", read.Text);
        Log(clock, $"message sent through {east.Name} and read back through {west.Name} ({stats})");
    }

    private static async Task<Readiness> WaitForReadinessAsync(ClusterProcess process, Func<Readiness, bool> wanted, TimeSpan timeout)
    {
        var uri = new Uri(process.BaseUri, "healthz/ready");
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(uri);
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {body}";
                var answer = Readiness.Parse(response.StatusCode, body);
                if (wanted(answer))
                {
                    return answer;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = ex.Message;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{process.Name}: /healthz/ready did not answer as expected within {timeout}; last: {last}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private List<ClusterProcess> Running() => [.. Cluster.Silos, .. Cluster.Gateways];

    private void Log(Stopwatch clock, string line) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}");

    /// <summary>One answer of <c>/healthz/ready</c>: <c>{"status":"ready"}</c> or <c>{"status":"unready","failing":[…]}</c>.</summary>
    private sealed record Readiness(HttpStatusCode Status, string State, IReadOnlyList<string> Failing)
    {
        public static Readiness Parse(HttpStatusCode status, string body)
        {
            var root = JsonDocument.Parse(body).RootElement;
            var failing = root.TryGetProperty("failing", out var list) ? list.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : [];
            return new Readiness(status, root.GetProperty("status").GetString() ?? "", failing);
        }
    }
}
