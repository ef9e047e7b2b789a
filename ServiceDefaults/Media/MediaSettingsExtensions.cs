using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOrleans.ServiceDefaults.Media;

/// <summary>
/// What silos and gateways both need of media: the checked <see cref="MediaOptions"/> and where
/// the bytes live — the <see cref="BlobContainerClient"/> of Azure Blob Storage, or the
/// <see cref="LocalMediaLayout"/> of the local store. Silos add the store on top (checks,
/// previews); gateways only sign URLs and serve local files. Registers once, so the embedded
/// process, silo and gateway in one, shares one of each.
/// </summary>
public static class MediaSettingsExtensions
{
    public static IServiceCollection AddChatMediaSettings(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        if (services.Any(d => d.ServiceType == typeof(BlobContainerClient) || d.ServiceType == typeof(LocalMediaLayout)))
        {
            return services;
        }

        var options = MediaOptions.From(configuration);
        services.AddValidatedOptions<MediaOptions, MediaOptionsValidator>(configuration, MediaOptions.SectionName)
            .Configure(o => o.Profile = options.Profile);
        services.TryAddSingleton(TimeProvider.System);
        if (options.EffectiveStore(options.Profile) == MediaStoreKind.AzureBlob)
        {
            services.AddSingleton(new BlobContainerClient(options.Azure.ConnectionString, options.Azure.Container));
        }
        else
        {
            services.AddSingleton(new LocalMediaLayout(LocalMediaLayout.FromDataDirectory(options.Local.Directory, dataDirectory)));
        }

        return services;
    }
}
