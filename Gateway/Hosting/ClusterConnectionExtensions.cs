using ChatOrleans.Gateway.Embedded;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Streaming;
using Orleans.Configuration;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// How the gateway reaches the grains. Embedded: it hosts the silo itself (<see cref="EmbeddedSilo"/>,
/// only in the default build). Production: it is
/// a cluster client of the backend silos — it holds sockets, never grains, so a gateway can
/// die or be added without moving any state, and a backend silo's death costs it no sockets.
/// </summary>
public static class ClusterConnectionExtensions
{
    public static WebApplicationBuilder AddClusterConnection(this WebApplicationBuilder builder, DataFolder dataFolder)
    {
        var configuration = builder.Configuration;
        var deployment = DeploymentOptions.From(configuration);
        if (deployment.Profile == DeploymentProfile.Production)
        {
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = deployment.ClusterId;
                    o.ServiceId = deployment.ServiceId;
                });
                client.UseRedisClustering(deployment.Redis!);

                // Orleans:Messaging:ResponseTimeout (Orleans: 30 s) bounds how long a device's
                // request waits when the silo serving it dies mid-call.
                client.Services.AddOptions<ClientMessagingOptions>().Bind(configuration.GetSection(DeploymentOptions.MessagingSection));
                client.AddChatEventStreams(configuration);
                if (ObservabilityExtensions.TracingEnabled(configuration))
                {
                    client.AddActivityPropagation();
                }
            });

            // The store is the silos'; a silo says whether it answers (production needs Orleans:Postgres).
            builder.Services.AddHealthChecks().AddCheck<ClusterStoreHealthCheck>("postgres", tags: [ObservabilityExtensions.ReadyTag]);
        }
        else
        {
            builder.AddEmbeddedSilo(dataFolder);
        }

        return builder;
    }
}
