using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Concurrency;

namespace ChatOrleans.Grains.Hosting;

/// <summary>
/// Runs this silo's store checks (<see cref="StoreObservabilityExtensions"/>) for a cluster
/// client: the same check the silo's own <c>/healthz/ready</c> runs, on whichever silo answers.
/// </summary>
[StatelessWorker]
internal sealed class StoreReadinessGrain(HealthCheckService health) : Grain, IStoreReadinessGrain
{
    public async Task<string[]> FailingChecks()
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(StoreObservabilityExtensions.StoreTag));
        return report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
    }
}
