using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ChatOrleans.Tests.Storage;

[GenerateSerializer, Alias("ChatOrleans.Tests.Storage.TestState")]
public sealed class TestState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public List<long> Numbers { get; set; } = [];
    [Id(2)] public DateTimeOffset? When { get; set; }
}

[Alias("ChatOrleans.Tests.Storage.IStorageProbeGrain")]
public interface IStorageProbeGrain : IGrainWithStringKey
{
    [Alias("Increment")]
    Task<int> Increment();

    [Alias("Get")]
    Task<int> Get();
}

[GenerateSerializer, Alias("ChatOrleans.Tests.Storage.ProbeState")]
public sealed class ProbeState
{
    [Id(0)] public int Count { get; set; }
}

public sealed class StorageProbeGrain(
    [PersistentState("probe", StorageNames.GrainState)] IPersistentState<ProbeState> state) : Grain, IStorageProbeGrain
{
    public async Task<int> Increment()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> Get() => Task.FromResult(state.State.Count);
}

/// <summary>
/// The embedded profile's grain state end to end; what the store itself must do is in
/// <see cref="GrainStorageContractTests"/>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task EmbeddedStorageKeepsGrainStateAndLogAcrossSiloRestart()
    {
        var dataDirectory = Path.Combine(_folder, "silo");

        await using (var cluster = await StartSilo(dataDirectory))
        {
            var probe = cluster.Client.GetGrain<IStorageProbeGrain>("probe-1");
            await probe.Increment();
            Assert.Equal(2, await probe.Increment());

            var log = SiloServices(cluster).GetRequiredService<IMessageLog>();
            await log.AppendAsync("chat-a", [new ChatMessage("m1", "chat-a", 1, "alice", "d", "c1", "hi", [], [], null, DateTimeOffset.UtcNow)]);
        }

        await using (var cluster = await StartSilo(dataDirectory))
        {
            Assert.Equal(2, await cluster.Client.GetGrain<IStorageProbeGrain>("probe-1").Get());
            Assert.Equal(1, await SiloServices(cluster).GetRequiredService<IMessageLog>().GetLastSeqAsync("chat-a"));
        }
    }

    private static async Task<InProcessTestCluster> StartSilo(string dataDirectory)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddEmbeddedStorage(dataDirectory));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static IServiceProvider SiloServices(InProcessTestCluster cluster) =>
        cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress);
}
