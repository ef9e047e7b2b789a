using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
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

[Trait("Category", "Integration")]
public sealed class SqliteGrainStorageTests : IAsyncLifetime
{
    private const string StateName = "state";

    private static readonly Serializer Serializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private readonly GrainId _grain = GrainId.Create("user", "alice");
    private SqliteDatabase _database = null!;
    private SqliteGrainStorage _storage = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(_folder);
        _storage = new SqliteGrainStorage("chatstate", _database, Serializer);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static GrainState<TestState> NewState() => new(new TestState());

    private static TestState Sample(string name) =>
        new() { Name = name, Numbers = [1, 2, 3], When = new DateTimeOffset(2026, 11, 28, 1, 2, 3, TimeSpan.Zero) };

    [Fact]
    public async Task MissingStateReadsAsNoRecord()
    {
        var state = NewState();
        await _storage.ReadStateAsync(StateName, _grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.Name);
    }

    [Fact]
    public async Task WrittenStateReadsBackWithItsETag()
    {
        var writer = new GrainState<TestState>(Sample("first"));
        await _storage.WriteStateAsync(StateName, _grain, writer);
        Assert.True(writer.RecordExists);
        Assert.NotNull(writer.ETag);

        var reader = NewState();
        await _storage.ReadStateAsync(StateName, _grain, reader);

        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.Equal("first", reader.State!.Name);
        Assert.Equal([1L, 2L, 3L], reader.State!.Numbers);
        Assert.Equal(Sample("x").When, reader.State!.When);

        // The holder of the current ETag writes again and gets a new one.
        var firstETag = writer.ETag;
        writer.State!.Name = "second";
        await _storage.WriteStateAsync(StateName, _grain, writer);
        Assert.NotEqual(firstETag, writer.ETag);
    }

    [Fact]
    public async Task WriteWithStaleETagIsRefused()
    {
        var first = NewState();
        await _storage.WriteStateAsync(StateName, _grain, first);
        var stale = NewState();
        await _storage.ReadStateAsync(StateName, _grain, stale);
        first.State!.Name = "moved on";
        await _storage.WriteStateAsync(StateName, _grain, first);

        stale.State!.Name = "lost update";
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, _grain, stale));

        // A writer that never read (null ETag) cannot overwrite an existing record either.
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, _grain, NewState()));

        var current = NewState();
        await _storage.ReadStateAsync(StateName, _grain, current);
        Assert.Equal("moved on", current.State!.Name);
        Assert.Equal(first.ETag, current.ETag);
    }

    [Fact]
    public async Task ClearRemovesTheRecordAndChecksTheETag()
    {
        var owner = new GrainState<TestState>(Sample("doomed"));
        await _storage.WriteStateAsync(StateName, _grain, owner);
        var staleETag = owner.ETag;
        owner.State!.Name = "newer";
        await _storage.WriteStateAsync(StateName, _grain, owner);

        var stale = new GrainState<TestState>(new TestState(), staleETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(StateName, _grain, stale));

        await _storage.ClearStateAsync(StateName, _grain, owner);
        Assert.False(owner.RecordExists);
        Assert.Null(owner.ETag);

        var read = NewState();
        await _storage.ReadStateAsync(StateName, _grain, read);
        Assert.False(read.RecordExists);

        // After a clear, an ETag from before it is stale; starting over from none works.
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => _storage.WriteStateAsync(StateName, _grain, new GrainState<TestState>(new TestState(), staleETag)));
        await _storage.WriteStateAsync(StateName, _grain, read);
        Assert.True(read.RecordExists);

        // Clearing what is not there (with no ETag) is harmless.
        await _storage.ClearStateAsync(StateName, GrainId.Create("user", "nobody"), NewState());
    }

    [Fact]
    public async Task StatesAreKeyedByProviderStateNameAndGrain()
    {
        await _storage.WriteStateAsync(StateName, _grain, new GrainState<TestState>(Sample("alice")));

        var other = new SqliteGrainStorage("PubSubStore", _database, Serializer);
        var cases = new (IGrainStorage Storage, string StateName, GrainId Grain)[]
        {
            (other, StateName, _grain),
            (_storage, "other-state", _grain),
            (_storage, StateName, GrainId.Create("user", "bob")),
            (_storage, StateName, GrainId.Create("chat", "alice")),
        };

        foreach (var (storage, stateName, grain) in cases)
        {
            var state = NewState();
            await storage.ReadStateAsync(stateName, grain, state);
            Assert.False(state.RecordExists);
        }
    }

    [Fact]
    public async Task StateSurvivesReopeningTheDatabase()
    {
        var writer = new GrainState<TestState>(Sample("kept"));
        await _storage.WriteStateAsync(StateName, _grain, writer);
        await _database.DisposeAsync();

        _database = new SqliteDatabase(_folder);
        _storage = new SqliteGrainStorage("chatstate", _database, Serializer);

        var reader = NewState();
        await _storage.ReadStateAsync(StateName, _grain, reader);
        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.Equal("kept", reader.State!.Name);
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
