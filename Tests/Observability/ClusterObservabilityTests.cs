using System.Net;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Observability;

/// <summary>Every silo and every gateway of the multi-process cluster serves <c>/metrics</c> and is ready.</summary>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterObservabilityTests(ProductionCluster cluster, ITestOutputHelper output) : IClassFixture<ProductionCluster>
{
    [Fact]
    public async Task EverySiloAndGatewayServesMetricsAndIsReady()
    {
        try
        {
            await cluster.EnsureWholeAsync();
            using var http = new HttpClient();
            foreach (var process in cluster.AllProcesses)
            {
                using var ready = await http.GetAsync(new Uri(process.BaseUri, "healthz/ready"));
                var body = await ready.Content.ReadAsStringAsync();
                Assert.True(ready.StatusCode == HttpStatusCode.OK, $"{process.Name}: {body}");
                Assert.Equal("ready", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());

                using var metrics = await http.GetAsync(new Uri(process.BaseUri, "metrics"));
                var text = await metrics.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);

                // The runtime's instruments are everywhere; Orleans' are on silos and clients alike.
                Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
                Assert.Contains("\norleans_", text, StringComparison.Ordinal);
                Assert.Contains("\nprocess_cpu_time_seconds_total", text, StringComparison.Ordinal);
            }
        }
        catch
        {
            output.WriteLine(cluster.DescribeLogs());
            throw;
        }
    }

    [Fact]
    public async Task NoSiloLogsOrleansFalseStartupStallWarning()
    {
        await cluster.EnsureWholeAsync();

        // The silos are up and clustered, so their watchdogs have run their first checks.
        foreach (var silo in cluster.Silos)
        {
            Assert.Empty(silo.LogLinesContaining("Participant check thread has not completed"));
        }
    }

    [Fact]
    public async Task ARealPrometheusScrapesTheDeliveryLatencyFromAGatewayAndOrleansMetricsFromASilo()
    {
        try
        {
            await cluster.EnsureWholeAsync();
            var gateway = cluster.Gateways[0];
            var silo = cluster.Silos[0];
            await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, IReadOnlyList<Uri>>
            {
                ["gateway"] = [gateway.BaseUri],
                ["silo"] = [silo.BaseUri],
            });

            // Some traffic: messages delivered to two sockets on this gateway.
            var alice = await E2E.RegisterAsync(gateway.BaseUri);
            var bob = await E2E.RegisterAsync(gateway.BaseUri);
            var chatId = (await ClusterChat.Api(gateway, alice).CreateGroupAsync("scraped", [bob.UserId])).ChatId;
            await using var alicePhone = await ClusterChat.ConnectAsync(gateway, alice, "phone");
            await using var bobPhone = await ClusterChat.ConnectAsync(gateway, bob, "phone");
            for (var i = 0; i < 10; i++)
            {
                await alicePhone.SendMessageAsync(chatId, $"scrape-{i}", "hello, prometheus");
            }

            await bobPhone.WaitForAsync<ChatOrleans.Client.NewMessageEvent>(e => e.Message.ChatId == chatId && e.Message.Seq == 10, E2E.Timeout);

            // Prometheus' own query API, as dashboards and alerts ask it.
            var deliveries = await prometheus.WaitForAsync(
                "sum(chatorleans_delivery_latency_seconds_count{job=\"gateway\"})",
                answer => answer.Count == 1 && answer[0].Value >= 20,
                TimeSpan.FromSeconds(30));
            output.WriteLine($"deliveries scraped from {gateway.Name}: {deliveries[0].Value}");
            var p95 = await prometheus.QueryAsync(
                "histogram_quantile(0.95, sum by (le) (chatorleans_delivery_latency_seconds_bucket{job=\"gateway\"}))");
            Assert.Single(p95);
            Assert.InRange(p95[0].Value, 0, 10);

            var orleans = await prometheus.WaitForAsync(
                "count({job=\"silo\", __name__=~\"orleans_.+\"})",
                answer => answer.Count == 1 && answer[0].Value > 0,
                TimeSpan.FromSeconds(30));
            output.WriteLine($"Orleans series scraped from {silo.Name}: {orleans[0].Value}");
            var up = await prometheus.QueryAsync("up");
            Assert.Equal(2, up.Count(u => u.Value == 1));
        }
        catch
        {
            output.WriteLine(cluster.DescribeLogs());
            throw;
        }
    }

    /// <summary>
    /// <c>deploy/grafana/chatorleans-dashboard.json</c>: every panel's query is PromQL a real
    /// Prometheus accepts, over the names the processes really export, and the panels an operator
    /// looks at first show the traffic of the test.
    /// </summary>
    [Fact]
    public async Task EveryGrafanaPanelIsAQueryPrometheusAcceptsAndTheCorePanelsShowTraffic()
    {
        try
        {
            await cluster.EnsureWholeAsync();
            await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, IReadOnlyList<Uri>>
            {
                ["chatorleans"] = [.. cluster.Silos.Concat(cluster.Gateways).Select(p => p.BaseUri)],
            });

            var gateway = cluster.Gateways[0];
            var alice = await E2E.RegisterAsync(gateway.BaseUri);
            var bob = await E2E.RegisterAsync(gateway.BaseUri);
            var chatId = (await ClusterChat.Api(gateway, alice).CreateGroupAsync("dashboard", [bob.UserId])).ChatId;
            await using var alicePhone = await ClusterChat.ConnectAsync(gateway, alice, "phone");
            await using var bobPhone = await ClusterChat.ConnectAsync(gateway, bob, "phone");

            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryPaths.Of("deploy", "grafana", "chatorleans-dashboard.json")));
            var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .Select(p => (Title: p.GetProperty("title").GetString()!, Queries: p.GetProperty("targets").EnumerateArray()
                    .Select(t => t.GetProperty("expr").GetString()!
                        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                        .Replace("$job", ".*", StringComparison.Ordinal))
                    .ToList()))
                .ToList();
            Assert.NotEmpty(panels);

            // Messages go on being sent while Prometheus scrapes, so rates over the last minute have data.
            using var stopSending = new CancellationTokenSource();
            var sent = 0;
            var sender = Task.Run(async () =>
            {
                while (!stopSending.IsCancellationRequested)
                {
                    await alicePhone.SendMessageAsync(chatId, $"dash-{++sent}", "hello, grafana");
                    await bobPhone.WaitForAsync<ChatOrleans.Client.NewMessageEvent>(e => e.Message.ChatId == chatId && e.Message.Seq == sent, E2E.Timeout);
                    await Task.Delay(TimeSpan.FromMilliseconds(100));
                }
            });

            string[] core = ["Messages sent /s", "Connected devices", "Delivery P95", "Grain calls per send", "CPU per process", "Memory per process"];
            foreach (var title in core)
            {
                var (_, queries) = Assert.Single(panels, p => p.Title == title);
                var answer = await prometheus.WaitForAsync(queries[0], a => a.Count > 0 && a.All(r => double.IsFinite(r.Value)) && a.Any(r => r.Value > 0), TimeSpan.FromSeconds(60));
                output.WriteLine($"{title}: {string.Join(", ", answer.Select(a => a.Value))}");
            }

            await stopSending.CancelAsync();
            await sender;
            Assert.True(sent > 0);

            // The rest may have no data here (no notification was sent), but each must parse and run.
            foreach (var (title, queries) in panels)
            {
                foreach (var query in queries)
                {
                    var exception = await Record.ExceptionAsync(() => prometheus.QueryAsync(query));
                    Assert.True(exception is null, $"Panel \"{title}\": {query}\n{exception}");
                }
            }
        }
        catch
        {
            output.WriteLine(cluster.DescribeLogs());
            throw;
        }
    }
}
