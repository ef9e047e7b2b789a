using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// What every process (embedded, silo, gateway) serves to an operator, set up in one place:
/// OpenTelemetry metrics (ours, Orleans', ASP.NET Core's, the runtime's) scraped at
/// <c>/metrics</c>, traces and metrics pushed by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set, <c>/healthz</c> (liveness) and <c>/healthz/ready</c> (the cluster, Redis). What the store
/// adds (Npgsql's instruments, the store's readiness) plugs in from the host that has one
/// (<c>StoreObservabilityExtensions</c> on a silo, <c>ClusterStoreHealthCheck</c> on a gateway that is a cluster client).
/// </summary>
public static class ObservabilityExtensions
{
    public const string MetricsPath = "/metrics";
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/healthz/ready";

    /// <summary>The standard OpenTelemetry variable; OTLP export is off without it.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The tag of the checks <c>/healthz/ready</c> runs; checks added by other hosts carry it too.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Traces go nowhere without an OTLP endpoint, so grain calls carry no activity then.</summary>
    public static bool TracingEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

    public static WebApplicationBuilder AddChatObservability(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var deployment = DeploymentOptions.From(configuration);
        services.AddChatMetrics();
        services.AddOperatorAccess(configuration);

        // No configured level, per-provider ones included, puts a query string into a log.
        builder.Logging.PinQueryStringCategories();

        // Request lines instead (Microsoft.AspNetCore.HttpLogging at Information): the path
        // without its query string, which may hold a token (old clients' ?access_token=).
        services.AddHttpLogging(o =>
        {
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.RequestProtocol
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter(ChatMetrics.MeterName)
                .AddMeter("Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter());
        if (TracingEnabled(configuration))
        {
            otel.WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime")
                .AddSource("Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
            otel.UseOtlpExporter();
        }

        var health = services.AddHealthChecks();
        health.AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        if (deployment.Profile == DeploymentProfile.Production)
        {
            health.AddRedis(deployment.Redis!, name: "redis", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        }

        return builder;
    }

    /// <summary>Registers the project's instruments (also for hosts built without <see cref="AddChatObservability"/>, e.g. test silos).</summary>
    public static IServiceCollection AddChatMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ChatMetrics>();
        return services;
    }

    /// <summary>One line per request when <c>Microsoft.AspNetCore.HttpLogging</c> is at Information; first in the pipeline, so every request is seen.</summary>
    public static WebApplication UseChatRequestLogging(this WebApplication app)
    {
        app.UseHttpLogging();
        return app;
    }

    public static WebApplication MapChatObservability(this WebApplication app)
    {
        // /metrics and the dashboard answer the operator only (Operator:Username and Operator:Password).
        app.UseOperatorAccess();
        app.MapPrometheusScrapingEndpoint(MetricsPath);

        // Liveness runs no check: a process whose store is down should not be restarted for it.
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => context.Response.WriteAsJsonAsync(new { status = "ok" }),
        });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadiness,
        });
        return app;
    }

    /// <summary>PROTOCOL.md, Endpoints at the root: <c>{"status":"unready","failing":[…names…]}</c>.</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Healthy)
        {
            return context.Response.WriteAsJsonAsync(new { status = "ready" });
        }

        var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
        return context.Response.WriteAsJsonAsync(new { status = "unready", failing });
    }
}
