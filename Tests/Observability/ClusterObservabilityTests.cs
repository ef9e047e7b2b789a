using System.Net;
using System.Text.Json;
using ChatOrleans.Tests.Cluster;
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
}
