using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// Readiness of a cluster client: the store behind the cluster answers, as a silo's own store
/// check sees it (<see cref="IStoreReadinessGrain"/>). The gateway holds no connection to the
/// store itself, yet cannot send or replay while the store is down.
/// </summary>
public sealed class ClusterStoreHealthCheck(IGrainFactory grains) : IHealthCheck
{
    /// <summary>The silo's own check gives up after 5 s; the call around it gets a little more.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var failing = await grains.GetGrain<IStoreReadinessGrain>(0).FailingChecks().WaitAsync(Timeout, cancellationToken);
            return failing.Length == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"The silos' store is not ready ({string.Join(", ", failing)}).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("No silo answered for the store.", ex);
        }
    }
}
