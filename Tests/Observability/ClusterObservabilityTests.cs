using System.Net;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Observability;

/// <summary>Every silo and every gateway of the multi-process cluster serves <c>/metrics</c> and is ready.</summary>
[Collection(ProductionClusterCollection.Name)]
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
}
