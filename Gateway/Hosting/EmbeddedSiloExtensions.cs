using ChatOrleans.Grains.Hosting;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>The embedded default: one process hosts the silo, the grains and the gateway, with SQLite under the data folder.</summary>
public static class EmbeddedSiloExtensions
{
    public static WebApplicationBuilder AddEmbeddedSilo(this WebApplicationBuilder builder, DataFolder dataFolder)
    {
        var configuration = builder.Configuration;
        builder.UseOrleans(silo =>
        {
            var siloPort = configuration.GetValue("Orleans:SiloPort", 11111);
            var gatewayPort = configuration.GetValue("Orleans:GatewayPort", 30000);
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "chatorleans", clusterId: configuration["Orleans:ClusterId"] ?? "embedded");
            silo.AddEmbeddedStorage(dataFolder.Path);
            silo.AddChatGrains(configuration);
        });
        return builder;
    }
}
