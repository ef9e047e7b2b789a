using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Storage;
using Orleans.Streams;
using Orleans.TestingHost;

namespace ChatOrleans.Tests.Storage;

[Alias("ChatOrleans.Tests.Storage.IStreamProbeGrain")]
public interface IStreamProbeGrain : IGrainWithStringKey
{
    [Alias("Subscribe")]
    Task Subscribe(string streamKey);

    [Alias("CountSubscriptions")]
    Task<int> CountSubscriptions(string streamKey);
}

/// <summary>Subscribes to a stream explicitly: the subscription lives in the pub-sub grain's stored state.</summary>
public sealed class StreamProbeGrain : Grain, IStreamProbeGrain
{
    public const string Provider = "probe-streams";

    public Task Subscribe(string streamKey) => Stream(streamKey).SubscribeAsync((_, _) => Task.CompletedTask);

    public async Task<int> CountSubscriptions(string streamKey) => (await Stream(streamKey).GetAllSubscriptionHandles()).Count;

    private IAsyncStream<int> Stream(string key) => this.GetStreamProvider(Provider).GetStream<int>(StreamId.Create("probe", key));
}

/// <summary>
/// Grain state on PostgreSQL through <see cref="PostgresGrainStorage"/>, as
/// <see cref="PostgresStorageExtensions.AddPostgresStorage"/> sets it up, each test on a fresh database.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresGrainStorageTests : IAsyncLifetime
{
    private const string StateName = "state";

    // Shared by both clusters of a restart test: the store keys rows by service id.
    private readonly string _serviceId = "chatorleans-test-" + Guid.NewGuid().ToString("N");
    private PostgresTestDatabase? _server;

    private PostgresTestDatabase Server => _server!;

    public async Task InitializeAsync() => _server = await PostgresTestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task GrainStateAndLogSurviveAClusterRestart()
    {
        await using (var cluster = await StartClusterAsync())
        {
            var probe = cluster.Client.GetGrain<IStorageProbeGrain>("probe-1");
            await probe.Increment();
            Assert.Equal(2, await probe.Increment());

            var log = SiloServices(cluster).GetRequiredService<IMessageLog>();
            Assert.IsType<PostgresMessageLog>(log);
            await log.AppendAsync("chat-a", [new ChatMessage("m1", "chat-a", 1, "alice", "d", "c1", "hi", [], [], null, DateTimeOffset.UtcNow)]);
        }

        await using (var cluster = await StartClusterAsync())
        {
            Assert.Equal(2, await cluster.Client.GetGrain<IStorageProbeGrain>("probe-1").Get());
            Assert.Equal(1, await SiloServices(cluster).GetRequiredService<IMessageLog>().GetLastSeqAsync("chat-a"));
        }

        // One row, written with Orleans' binary serializer (Newtonsoft JSON would start with '{').
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT service_id, provider, state_name, grain_type, grain_key, etag, data FROM grain_state;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(_serviceId, reader.GetString(0));
        Assert.Equal(StorageNames.GrainState, reader.GetString(1));
        Assert.Equal("probe", reader.GetString(2));
        Assert.Equal("storageprobe", reader.GetString(3));
        Assert.Equal("probe-1", reader.GetString(4));
        Assert.Matches("^[0-9a-f]{32}$", reader.GetString(5));
        var data = reader.GetFieldValue<byte[]>(6);
        Assert.NotEqual((byte)'{', data[0]);
        Assert.Equal(2, GrainStorageContractTests.Serializer.Deserialize<ProbeState>(data)!.Count);
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task WritesWithAStaleOrMissingETagAreRefused()
    {
        await using var cluster = await StartClusterAsync();
        var storage = GrainStorage(cluster, StorageNames.GrainState);
        var grain = GrainId.Create("user", "alice");

        var first = new GrainState<TestState>(new TestState { Name = "first", Numbers = [1, 2, 3] });
        await storage.WriteStateAsync(StateName, grain, first);
        var stale = new GrainState<TestState>(new TestState());
        await storage.ReadStateAsync(StateName, grain, stale);
        Assert.True(stale.RecordExists);
        Assert.Equal(first.ETag, stale.ETag);
        Assert.Equal([1L, 2L, 3L], stale.State!.Numbers);

        first.State!.Name = "moved on";
        await storage.WriteStateAsync(StateName, grain, first);
        Assert.NotEqual(stale.ETag, first.ETag);

        stale.State!.Name = "lost update";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, grain, stale));
        // A writer that never read (no ETag) cannot overwrite an existing record either.
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, grain, new GrainState<TestState>(new TestState())));

        var current = new GrainState<TestState>(new TestState());
        await storage.ReadStateAsync(StateName, grain, current);
        Assert.Equal("moved on", current.State!.Name);
        Assert.Equal(first.ETag, current.ETag);

        // The holder of the current ETag clears; the record is gone and can be started again.
        await storage.ClearStateAsync(StateName, grain, current);
        var cleared = new GrainState<TestState>(new TestState());
        await storage.ReadStateAsync(StateName, grain, cleared);
        Assert.False(cleared.RecordExists);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, first));
        await storage.WriteStateAsync(StateName, grain, cleared);
        Assert.True(cleared.RecordExists);
    }

    [Fact]
    public async Task RacingFirstWritesOfOneStateExactlyOneWins()
    {
        await using var cluster = await StartClusterAsync();
        var storage = GrainStorage(cluster, StorageNames.GrainState);
        var grain = GrainId.Create("user", "race");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            try
            {
                await storage.WriteStateAsync(StateName, grain, new GrainState<TestState>(new TestState { Name = $"writer {i}" }));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
    }

    [Fact]
    public async Task StatesAreKeyedByProviderGrainTypeAndWholeKey()
    {
        await using var cluster = await StartClusterAsync();
        var storage = GrainStorage(cluster, StorageNames.GrainState);
        await storage.WriteStateAsync(StateName, GrainId.Create("username", "dad"), new GrainState<TestState>(new TestState { Name = "dad" }));

        // The AdoNet provider this store replaced read hexadecimal-looking keys as numbers, so "DAD"
        // and "0dad" would be "dad"; and it left the grain type out of the key.
        var cases = new (IGrainStorage Storage, string StateName, GrainId Grain)[]
        {
            (storage, StateName, GrainId.Create("username", "DAD")),
            (storage, StateName, GrainId.Create("username", "0dad")),
            (storage, StateName, GrainId.Create("user", "dad")),
            (storage, "other-state", GrainId.Create("username", "dad")),
            (GrainStorage(cluster, StorageNames.PubSub), StateName, GrainId.Create("username", "dad")),
        };

        foreach (var (other, stateName, grain) in cases)
        {
            var state = new GrainState<TestState>(new TestState());
            await other.ReadStateAsync(stateName, grain, state);
            Assert.False(state.RecordExists, $"{grain} {stateName}");
        }

        var same = new GrainState<TestState>(new TestState());
        await storage.ReadStateAsync(StateName, GrainId.Create("username", "dad"), same);
        Assert.Equal("dad", same.State!.Name);
    }

    [Fact]
    public async Task StreamSubscriptionsSurviveAClusterRestart()
    {
        await using (var cluster = await StartClusterAsync())
        {
            var probe = cluster.Client.GetGrain<IStreamProbeGrain>("consumer");
            await probe.Subscribe("topic");
            Assert.Equal(1, await probe.CountSubscriptions("topic"));
        }

        await using (var cluster = await StartClusterAsync())
        {
            Assert.Equal(1, await cluster.Client.GetGrain<IStreamProbeGrain>("consumer").CountSubscriptions("topic"));
        }
    }

    [Fact]
    public async Task PostgresReplacesThePubSubStorageRegisteredBeforeIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.AddChatGrains(new ConfigurationBuilder().Build()); // registers in-memory pub-sub storage
            silo.AddPostgresStorage(Server.ConnectionString);
        });
        using var host = builder.Build();

        Assert.IsType<PostgresGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.PubSub));
        Assert.IsType<PostgresGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.GrainState));
        Assert.IsType<PostgresMessageLog>(host.Services.GetRequiredService<IMessageLog>());
    }

    [Fact]
    public async Task MigrationIsIdempotent()
    {
        await using (var database = new PostgresDatabase(Server.ConnectionString))
        {
            Assert.Equal(PostgresSchema.Latest, await database.MigrateAsync());
            Assert.Equal(PostgresSchema.Latest, await database.MigrateAsync());
        }

        await using (var again = new PostgresDatabase(Server.ConnectionString))
        {
            Assert.Equal(PostgresSchema.Latest, await again.MigrateAsync());
        }

        await AssertMigratedOnceAsync();
    }

    [Fact]
    public async Task ConcurrentMigrationsAllSucceedAndApplyEachVersionOnce()
    {
        var databases = Enumerable.Range(0, 8).Select(_ => new PostgresDatabase(Server.ConnectionString)).ToList();
        try
        {
            var versions = await Task.WhenAll(databases.Select(d => d.MigrateAsync()));
            Assert.All(versions, v => Assert.Equal(PostgresSchema.Latest, v));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }

        await AssertMigratedOnceAsync();
    }

    [Fact]
    public async Task ADatabaseNewerThanThisBuildIsRefused()
    {
        await using var database = new PostgresDatabase(Server.ConnectionString);
        await database.MigrateAsync();
        await using (var connection = await OpenAsync())
        await using (var command = new NpgsqlCommand($"INSERT INTO schema_version (version) VALUES ({PostgresSchema.Latest + 1});", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => database.MigrateAsync());
    }

    private async Task AssertMigratedOnceAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version),
                   to_regclass('grain_state') IS NOT NULL,
                   to_regclass('orleansstorage') IS NULL AND to_regclass('orleansquery') IS NULL;
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(string.Join(",", Enumerable.Range(1, PostgresSchema.Latest)), reader.GetString(0));
        Assert.True(reader.GetBoolean(1), "grain_state exists");
        Assert.True(reader.GetBoolean(2), "the AdoNet provider's tables are gone");
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = _serviceId;
        var connectionString = Server.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryStreams(StreamProbeGrain.Provider);
            silo.AddPostgresStorage(connectionString);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static IServiceProvider SiloServices(InProcessTestCluster cluster) =>
        cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress);

    private static IGrainStorage GrainStorage(InProcessTestCluster cluster, string name) =>
        SiloServices(cluster).GetRequiredKeyedService<IGrainStorage>(name);
}
