using Azure.Storage.Blobs;
using ChatOrleans.Grains.Media;
using ChatOrleans.Grains.Media.Stores;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ChatOrleans.Grains.Hosting;

/// <summary>Media on a silo: the options, the store of the profile, previews and the sweeper of unattached uploads.</summary>
public static class MediaSiloExtensions
{
    public static ISiloBuilder AddChatMedia(this ISiloBuilder builder, IConfiguration configuration, string dataDirectory)
    {
        builder.Services.AddChatMediaStore(configuration, dataDirectory);
        builder.Services.TryAddSingleton<ImagePreviews>();
        builder.Services.TryAddSingleton<VideoPosters>();
        builder.Services.AddSingleton<MediaSweeper>();
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MediaSweeper>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, InitializeStoreAtStartup>();
        return builder;
    }

    /// <summary>
    /// The options and the <see cref="IMediaStore"/> the configuration names, on top of the
    /// settings gateways share (<see cref="MediaSettingsExtensions.AddChatMediaSettings"/>). Registers once.
    /// </summary>
    public static IServiceCollection AddChatMediaStore(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        if (services.Any(d => d.ServiceType == typeof(IMediaStore)))
        {
            return services;
        }

        services.AddChatMediaSettings(configuration, dataDirectory);
        var options = MediaOptions.From(configuration);
        if (options.EffectiveStore(options.Profile) == MediaStoreKind.AzureBlob)
        {
            services.AddSingleton<IMediaStore>(sp => new AzureBlobMediaStore(sp.GetRequiredService<BlobContainerClient>(), options.Azure));
        }
        else
        {
            services.AddSingleton<IMediaStore, LocalDiskMediaStore>();
        }

        return services;
    }

    /// <summary>Creates the folder or container while the silo starts, so a wrong setting fails the start.</summary>
    private sealed class InitializeStoreAtStartup(IMediaStore store) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(InitializeStoreAtStartup), ServiceLifecycleStage.ApplicationServices, store.InitializeAsync);
    }
}
