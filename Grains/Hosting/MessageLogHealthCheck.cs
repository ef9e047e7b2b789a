using ChatOrleans.Grains.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatOrleans.Grains.Hosting;

/// <summary>Readiness of the embedded store: one read of the message log answers.</summary>
public sealed class MessageLogHealthCheck(IServiceProvider services) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // A gateway without a silo has no log of its own; its store is behind the cluster.
        if (services.GetService(typeof(IMessageLog)) is not IMessageLog log)
        {
            return HealthCheckResult.Healthy();
        }

        try
        {
            await log.GetLastSeqAsync("healthz", cancellationToken).WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The message log did not answer.", ex);
        }
    }
}
