using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Storage.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ChatOrleans.Tests.Storage;

/// <summary>
/// Schema migration 5 on a database of the previous release (version 4), holding grain state the
/// way Microsoft.Orleans.Persistence.AdoNet wrote it through that release's re-keying wrapper:
/// state name "{provider}/{state}" in <c>graintypestring</c>, the grain id "{type}/{key}" as the
/// string key in <c>grainidextensionstring</c> (so both numeric key columns 0), the payload in
/// Orleans' binary serialization, the version as the ETag. After the upgrade the same state reads
/// through <see cref="PostgresGrainStorage"/>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresGrainStateMigrationTests : IAsyncLifetime
{
    private const int PreviousRelease = 4;
    private const string ServiceId = "chatorleans-migration-test";

    private PostgresTestDatabase _server = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresTestDatabase.CreateAsync();
        await using var database = new PostgresDatabase(_server.ConnectionString);
        Assert.Equal(PreviousRelease, await database.MigrateAsync(PreviousRelease));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task StateWrittenByTheAdoNetProviderReadsBackAfterTheUpgrade()
    {
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/probe", "storageprobe/probe-1", 2, Bytes(new ProbeState { Count = 2 }));
        // Pub-sub grains' keys hold '/' themselves: only the first one ends the grain type.
        await InsertOldRowAsync(ServiceId, $"{StorageNames.PubSub}/state", "pubsubrendezvous/probe-streams/probe/topic", 7, Bytes(new TestState { Name = "subscriptions" }));
        // Keys the AdoNet provider would have merged were three rows through the wrapper, and stay three.
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/state", "username/dad", 1, Bytes(new TestState { Name = "dad" }));
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/state", "username/DAD", 1, Bytes(new TestState { Name = "DAD" }));
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/state", "username/0dad", 1, Bytes(new TestState { Name = "0dad" }));
        // A state the provider cleared: a row without a payload, which is no record.
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/state", "user/cleared", 3, null);
        // Another service in the same database keeps its own row.
        await InsertOldRowAsync("other-service", $"{StorageNames.GrainState}/state", "username/dad", 4, Bytes(new TestState { Name = "other" }));

        await using var database = new PostgresDatabase(_server.ConnectionString);
        Assert.Equal(PostgresSchema.Latest, await database.MigrateAsync());

        var state = Storage(database, StorageNames.GrainState);
        var pubSub = Storage(database, StorageNames.PubSub);

        var probe = await ReadAsync<ProbeState>(state, "probe", GrainId.Create("storageprobe", "probe-1"));
        Assert.True(probe.RecordExists);
        Assert.Equal(2, probe.State!.Count);
        Assert.Equal("2", probe.ETag);

        var subscriptions = await ReadAsync<TestState>(pubSub, "state", GrainId.Create("pubsubrendezvous", "probe-streams/probe/topic"));
        Assert.Equal("subscriptions", subscriptions.State!.Name);
        Assert.Equal("7", subscriptions.ETag);

        foreach (var key in new[] { "dad", "DAD", "0dad" })
        {
            Assert.Equal(key, (await ReadAsync<TestState>(state, "state", GrainId.Create("username", key))).State!.Name);
        }

        var other = new PostgresGrainStorage(StorageNames.GrainState, database, GrainStorageContractTests.Serializer, Options.Create(new ClusterOptions { ServiceId = "other-service" }));
        Assert.Equal("other", (await ReadAsync<TestState>(other, "state", GrainId.Create("username", "dad"))).State!.Name);

        var cleared = await ReadAsync<TestState>(state, "state", GrainId.Create("user", "cleared"));
        Assert.False(cleared.RecordExists);
        Assert.Null(cleared.ETag);
        await state.WriteStateAsync("state", GrainId.Create("user", "cleared"), cleared);

        // The migrated version is the ETag now: its holder writes, a stale one is refused.
        await Assert.ThrowsAsync<InconsistentStateException>(() => state.WriteStateAsync(
            "probe", GrainId.Create("storageprobe", "probe-1"), new GrainState<ProbeState>(new ProbeState { Count = 9 }, "1")));
        await state.WriteStateAsync("probe", GrainId.Create("storageprobe", "probe-1"), probe);
        Assert.NotEqual("2", probe.ETag);

        await AssertOldTablesGoneAsync();
    }

    [Fact]
    public async Task AnUpgradedSiloCarriesOnWithTheGrainStateItFinds()
    {
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/probe", "storageprobe/probe-1", 2, Bytes(new ProbeState { Count = 2 }));

        // The silo migrates at start-up, as a deployment's first start of this build would.
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        var connectionString = _server.ConnectionString;
        builder.ConfigureSilo((_, silo) => silo.AddPostgresStorage(connectionString));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var grain = cluster.Client.GetGrain<IStorageProbeGrain>("probe-1");
        Assert.Equal(2, await grain.Get());
        Assert.Equal(3, await grain.Increment());
    }

    [Fact]
    public async Task GrainStateOfAnotherShapeFailsTheUpgradeAndLeavesTheDatabaseAsItWas()
    {
        await InsertOldRowAsync(ServiceId, $"{StorageNames.GrainState}/probe", "storageprobe/probe-1", 2, Bytes(new ProbeState { Count = 2 }));
        // What the stock provider writes without the wrapper: no "{provider}/" in the state name.
        await InsertOldRowAsync(ServiceId, "probe", "probe-2", 1, Bytes(new ProbeState { Count = 5 }));

        await using var database = new PostgresDatabase(_server.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.MigrateAsync());
        Assert.Contains("orleansstorage", refused.MessageText, StringComparison.Ordinal);

        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT max(version) FROM schema_version), (SELECT count(*) FROM orleansstorage), to_regclass('grain_state') IS NULL;",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(PreviousRelease, reader.GetInt32(0));
        Assert.Equal(2, reader.GetInt64(1));
        Assert.True(reader.GetBoolean(2));
    }

    private static byte[] Bytes<T>(T state) => GrainStorageContractTests.Serializer.SerializeToArray(state);

    private static PostgresGrainStorage Storage(PostgresDatabase database, string name) =>
        new(name, database, GrainStorageContractTests.Serializer, Options.Create(new ClusterOptions { ServiceId = ServiceId }));

    private static async Task<GrainState<T>> ReadAsync<T>(IGrainStorage storage, string stateName, GrainId grain)
        where T : new()
    {
        var state = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grain, state);
        return state;
    }

    /// <summary>
    /// A row as AdoNetGrainStorage's WriteToStorageKey query of migration 2 inserted it. The hashes
    /// only narrowed its lookups; the migration does not read them.
    /// </summary>
    private async Task InsertOldRowAsync(string serviceId, string stateName, string stringKey, int version, byte[]? payload)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                        grainidextensionstring, serviceid, payloadbinary, version)
            VALUES (hashtext($2), 0, 0, hashtext($1), $1, $2, $3, $4, $5);
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stringKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)payload ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        await command.ExecuteNonQueryAsync();
    }

    private async Task AssertOldTablesGoneAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass('orleansstorage') IS NULL AND to_regclass('orleansquery') IS NULL;", connection);
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_server.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
