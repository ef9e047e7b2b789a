using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatOrleans.Grains.Hosting;

/// <summary>
/// What a silo's store adds to the shared observability (<see cref="ObservabilityExtensions"/>):
/// Npgsql's metrics and traces, and the store's readiness (<c>postgres</c> or <c>sqlite</c>).
/// Only hosts that run a silo call it, so a cluster client carries no Npgsql.
/// </summary>
public static class StoreObservabilityExtensions
{
    /// <summary>The tag of the store's checks, which <see cref="StoreReadinessGrain"/> runs for cluster clients.</summary>
    public const string StoreTag = "store";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddChatStoreObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddNpgsqlInstrumentation());
        if (ObservabilityExtensions.TracingEnabled(configuration))
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddNpgsql());
        }

        var deployment = DeploymentOptions.From(configuration);
        var health = services.AddHealthChecks();
        if (!string.IsNullOrWhiteSpace(deployment.Postgres))
        {
            health.AddNpgSql(deployment.Postgres, name: "postgres", tags: [ObservabilityExtensions.ReadyTag, StoreTag], timeout: Timeout);
        }
        else
        {
            health.AddCheck<MessageLogHealthCheck>("sqlite", tags: [ObservabilityExtensions.ReadyTag, StoreTag]);
        }

        return services;
    }
}
