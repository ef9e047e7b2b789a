using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// Readiness: a grain call answers. A gateway that reaches no silo, or a silo that has not
/// joined its cluster, cannot serve anything.
/// </summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetHosts takes no token; WaitAsync stops waiting on it when the probe is cancelled.
#pragma warning disable CA2016
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(Timeout, cancellationToken);
#pragma warning restore CA2016
            return hosts.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("No active silo.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("No silo answered.", ex);
        }
    }
}
