using ChatOrleans.Gateway.Media;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// Media on the gateway: the URL signer of the configured store, the cache of media info, and
/// in the local-disk set-up the signed file endpoints. The store itself is the silo's; the
/// gateway shares only its settings and where the bytes live (<see cref="MediaSettingsExtensions"/>,
/// in the embedded profile the very objects the silo uses).
/// </summary>
public static class MediaGatewayExtensions
{
    public static IServiceCollection AddChatMediaGateway(this IServiceCollection services, IConfiguration configuration, DataFolder dataFolder)
    {
        services.AddChatMediaSettings(configuration, dataFolder.Path);
        var store = MediaOptions.From(configuration).EffectiveStore(DeploymentOptions.From(configuration).Profile);
        if (store == MediaStoreKind.AzureBlob)
        {
            services.TryAddSingleton<IMediaUrlSigner, AzureBlobMediaUrlSigner>();
        }
        else
        {
            services.TryAddSingleton<LocalMediaUrlSigner>();
            services.TryAddSingleton<IMediaUrlSigner>(sp => sp.GetRequiredService<LocalMediaUrlSigner>());
        }

        services.TryAddSingleton<MediaCatalog>();
        services.TryAddSingleton<MediaLinks>();
        return services;
    }

    /// <summary>Maps <c>/files/*</c> when this gateway serves the local-disk store.</summary>
    public static IEndpointRouteBuilder MapChatMediaFiles(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<LocalMediaUrlSigner>() is not null)
        {
            app.MapLocalMediaFiles();
        }

        return app;
    }
}
