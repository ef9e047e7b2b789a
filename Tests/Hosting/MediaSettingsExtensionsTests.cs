using Azure.Storage.Blobs;
using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Media.Stores;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Media;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Tests.Hosting;

/// <summary>
/// The media settings the gateway and the silo share (<see cref="MediaSettingsExtensions"/>): in the
/// embedded process, which registers them from both sides, there is one layout or one container
/// client, and the silo's store writes where the gateway's file endpoints read.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MediaSettingsExtensionsTests
{
    [Fact]
    public void TheLocalStoreAndTheGatewayShareOneLayoutUnderTheDataFolderWhicheverRegistersFirst()
    {
        using var data = new TempDirectory();
        var configuration = new ConfigurationBuilder().Build();

        foreach (var siloFirst in new[] { true, false })
        {
            var services = new ServiceCollection();
            if (siloFirst)
            {
                services.AddChatMediaStore(configuration, data.Path);
                services.AddChatMediaSettings(configuration, data.Path);
            }
            else
            {
                services.AddChatMediaSettings(configuration, data.Path);
                services.AddChatMediaStore(configuration, data.Path);
            }

            Assert.Single(services, d => d.ServiceType == typeof(LocalMediaLayout));
            Assert.Single(services, d => d.ServiceType == typeof(IMediaStore));
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(BlobContainerClient));

            using var provider = services.BuildServiceProvider();
            Assert.Equal(Path.Combine(data.Path, "media"), provider.GetRequiredService<LocalMediaLayout>().Root);
            Assert.IsType<LocalDiskMediaStore>(provider.GetRequiredService<IMediaStore>());
            Assert.Equal(MediaStoreKind.Local, provider.GetRequiredService<IOptions<MediaOptions>>().Value.EffectiveStore(DeploymentProfile.Embedded));
        }
    }

    [Fact]
    public void AGatewayOfTheAzureStoreGetsTheContainerClientAndNoStore()
    {
        using var data = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:Store"] = "AzureBlob",
            ["Media:Azure:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            ["Media:Azure:Container"] = "shared",
        }).Build();
        var services = new ServiceCollection();

        services.AddChatMediaSettings(configuration, data.Path);
        services.AddChatMediaSettings(configuration, data.Path);

        Assert.Single(services, d => d.ServiceType == typeof(BlobContainerClient));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(LocalMediaLayout) || d.ServiceType == typeof(IMediaStore));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("shared", provider.GetRequiredService<BlobContainerClient>().Name);
    }
}
