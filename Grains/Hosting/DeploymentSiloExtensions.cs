using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace ChatOrleans.Grains.Hosting;

/// <summary>A silo that hosts the chat grains, in the profile the configuration names.</summary>
public static class DeploymentSiloExtensions
{
    /// <summary>Binds Orleans' <see cref="ClusterMembershipOptions"/>: how fast a dead silo is declared dead.</summary>
    public const string MembershipSection = DeploymentOptions.SectionName + ":Membership";

    /// <summary>Binds Orleans' messaging options (silos and the gateways' cluster clients), e.g. <c>ResponseTimeout</c>.</summary>
    public const string MessagingSection = DeploymentOptions.MessagingSection;

    public static ISiloBuilder AddChatSilo(this ISiloBuilder builder, IConfiguration configuration, string dataDirectory)
    {
        var deployment = DeploymentOptions.From(configuration);
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = deployment.ClusterId;
            o.ServiceId = deployment.ServiceId;
        });

        // How fast a dead silo is noticed: Orleans' defaults take tens of seconds; tests and
        // small deployments shorten them (e.g. Orleans:Membership:ProbeTimeout=00:00:01).
        builder.Services.AddOptions<ClusterMembershipOptions>().Bind(configuration.GetSection(MembershipSection));

        // How long a call waits for its answer (Orleans: 30 s). A call in flight to a silo that
        // dies waits this long, so it bounds how long a failover stalls those calls.
        builder.Services.AddOptions<SiloMessagingOptions>().Bind(configuration.GetSection(MessagingSection));

        // Orleans' watchdog warns of a stall as long as the machine's uptime at every start.
        builder.Services.AddWatchdogStartupLogFilter();

        // Grain calls carry the caller's trace only when traces are exported (ObservabilityExtensions).
        if (ObservabilityExtensions.TracingEnabled(configuration))
        {
            builder.AddActivityPropagation();
        }

        if (deployment.Profile == DeploymentProfile.Production)
        {
            builder.UseProductionCluster(deployment);
        }
        else
        {
            builder.UseEmbeddedCluster(configuration, deployment, dataDirectory);
        }

        builder.AddChatGrains(configuration);
        builder.AddChatMedia(configuration, dataDirectory);
        return builder;
    }

    /// <summary>Production: Redis membership, the configured or Kubernetes-given endpoints, PostgreSQL storage.</summary>
    private static void UseProductionCluster(this ISiloBuilder builder, DeploymentOptions deployment)
    {
        builder.UseRedisClustering(deployment.Redis!);
        if (deployment.Kubernetes)
        {
            // Only the ports: Microsoft.Orleans.Hosting.Kubernetes (UseKubernetesHosting, called
            // by the silo host) fills in the advertised address from POD_IP and listens on any
            // address, but only where nothing set them before.
            builder.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = deployment.SiloPort;
                o.GatewayPort = deployment.GatewayPort;
            });
        }
        else
        {
            builder.ConfigureEndpoints(System.Net.IPAddress.Parse(deployment.AdvertisedIp), deployment.SiloPort, deployment.GatewayPort, listenOnAnyHostAddress: false);
        }

        builder.AddPostgresStorage(deployment.Postgres!);
    }

    /// <summary>Embedded: one localhost silo on checked ports, SQLite storage in the data folder unless PostgreSQL is named.</summary>
    private static void UseEmbeddedCluster(this ISiloBuilder builder, IConfiguration configuration, DeploymentOptions deployment, string dataDirectory)
    {
        // Orleans would share ports taken by another process without an error: see EmbeddedPorts.
        var ports = EmbeddedPorts.Resolve(configuration, deployment);
        builder.Services.AddSingleton(ports);
        builder.Services.AddHostedService<EmbeddedPortsReport>();
        builder.UseLocalhostClustering(ports.SiloPort, ports.GatewayPort, serviceId: deployment.ServiceId, clusterId: deployment.ClusterId);
        if (string.IsNullOrWhiteSpace(deployment.Postgres))
        {
            builder.AddEmbeddedStorage(dataDirectory);
        }
        else
        {
            builder.AddPostgresStorage(deployment.Postgres);
        }
    }
}
