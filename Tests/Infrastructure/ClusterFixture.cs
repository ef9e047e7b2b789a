using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// One in-process Orleans cluster with the real grains on the embedded SQLite store, shared by
/// the grain tests of a collection. Each test uses fresh grain keys.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var dataPath = _data.Path;
        var configuration = new ConfigurationBuilder().Build();
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddEmbeddedStorage(dataPath);
            silo.AddChatGrains(configuration);
        });
        builder.ConfigureClient(client => client.AddChatEventStreams(configuration));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
