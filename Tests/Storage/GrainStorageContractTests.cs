using ChatOrleans.Grains.Storage.Postgres;
using ChatOrleans.Grains.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ChatOrleans.Tests.Storage;

/// <summary>
/// What every grain state store of ours must do (<see cref="SqliteGrainStorage"/> and
/// <see cref="PostgresGrainStorage"/>), run against each by a subclass that supplies a fresh,
/// empty store for every test: reads of what was written with its ETag, refusal of stale writes
/// and clears, keys that never collide, and state that outlives the process.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    protected const string ProviderName = "chatstate";
    protected const string StateName = "state";

    /// <summary>Orleans' serializer with the test assembly's state classes.</summary>
    internal static readonly Serializer Serializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    protected static readonly GrainId Grain = GrainId.Create("user", "alice");

    /// <summary>The storage named <see cref="ProviderName"/>; replaced by <see cref="RestartAsync"/>.</summary>
    protected IGrainStorage Storage { get; private set; } = null!;

    /// <summary>Opens a fresh, empty store of this test's own.</summary>
    protected abstract Task OpenAsync();

    /// <summary>Closes the store as a process exit would and opens it again, migrations and all.</summary>
    protected abstract Task ReopenAsync();

    /// <summary>Closes and deletes the store.</summary>
    protected abstract Task CloseAsync();

    /// <summary>A grain storage provider named <paramref name="name"/> on the open store.</summary>
    protected abstract IGrainStorage Create(string name);

    public async Task InitializeAsync()
    {
        await OpenAsync();
        Storage = Create(ProviderName);
    }

    public Task DisposeAsync() => CloseAsync();

    protected async Task RestartAsync()
    {
        await ReopenAsync();
        Storage = Create(ProviderName);
    }

    protected static GrainState<TestState> NewState() => new(new TestState());

    protected static TestState Sample(string name) =>
        new() { Name = name, Numbers = [1, 2, 3], When = new DateTimeOffset(2026, 11, 28, 1, 2, 3, TimeSpan.Zero) };

    [Fact]
    public async Task MissingStateReadsAsNoRecord()
    {
        var state = NewState();
        await Storage.ReadStateAsync(StateName, Grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.Name);
    }

    [Fact]
    public async Task WrittenStateReadsBackWithItsETag()
    {
        var writer = new GrainState<TestState>(Sample("first"));
        await Storage.WriteStateAsync(StateName, Grain, writer);
        Assert.True(writer.RecordExists);
        Assert.NotNull(writer.ETag);

        var reader = NewState();
        await Storage.ReadStateAsync(StateName, Grain, reader);

        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.Equal("first", reader.State!.Name);
        Assert.Equal([1L, 2L, 3L], reader.State!.Numbers);
        Assert.Equal(Sample("x").When, reader.State!.When);

        // The holder of the current ETag writes again and gets a new one.
        var firstETag = writer.ETag;
        writer.State!.Name = "second";
        await Storage.WriteStateAsync(StateName, Grain, writer);
        Assert.NotEqual(firstETag, writer.ETag);
    }

    [Fact]
    public async Task WriteWithStaleETagIsRefused()
    {
        var first = NewState();
        await Storage.WriteStateAsync(StateName, Grain, first);
        var stale = NewState();
        await Storage.ReadStateAsync(StateName, Grain, stale);
        first.State!.Name = "moved on";
        await Storage.WriteStateAsync(StateName, Grain, first);

        stale.State!.Name = "lost update";
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, stale));
        Assert.Equal(first.ETag, refused.StoredEtag);
        Assert.Equal(stale.ETag, refused.CurrentEtag);

        // A writer that never read (null ETag) cannot overwrite an existing record either.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, NewState()));

        var current = NewState();
        await Storage.ReadStateAsync(StateName, Grain, current);
        Assert.Equal("moved on", current.State!.Name);
        Assert.Equal(first.ETag, current.ETag);
    }

    [Fact]
    public async Task ClearRemovesTheRecordAndChecksTheETag()
    {
        var owner = new GrainState<TestState>(Sample("doomed"));
        await Storage.WriteStateAsync(StateName, Grain, owner);
        var staleETag = owner.ETag;
        owner.State!.Name = "newer";
        await Storage.WriteStateAsync(StateName, Grain, owner);

        var stale = new GrainState<TestState>(new TestState(), staleETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, stale));
        // Nor may one that never read it clear it.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, NewState()));

        await Storage.ClearStateAsync(StateName, Grain, owner);
        Assert.False(owner.RecordExists);
        Assert.Null(owner.ETag);

        var read = NewState();
        await Storage.ReadStateAsync(StateName, Grain, read);
        Assert.False(read.RecordExists);

        // After a clear, an ETag from before it is stale; starting over from none works.
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteStateAsync(StateName, Grain, new GrainState<TestState>(new TestState(), staleETag)));
        await Storage.WriteStateAsync(StateName, Grain, read);
        Assert.True(read.RecordExists);

        // Clearing what is not there (with no ETag) is harmless.
        await Storage.ClearStateAsync(StateName, GrainId.Create("user", "nobody"), NewState());
    }

    [Fact]
    public async Task StatesAreKeyedByProviderStateNameAndGrain()
    {
        await Storage.WriteStateAsync(StateName, Grain, new GrainState<TestState>(Sample("alice")));

        var cases = new (IGrainStorage Storage, string StateName, GrainId Grain)[]
        {
            (Create("PubSubStore"), StateName, Grain),
            (Storage, "other-state", Grain),
            (Storage, StateName, GrainId.Create("user", "bob")),
            (Storage, StateName, GrainId.Create("chat", "alice")),
        };

        foreach (var (storage, stateName, grain) in cases)
        {
            var state = NewState();
            await storage.ReadStateAsync(stateName, grain, state);
            Assert.False(state.RecordExists, $"{storage.GetType().Name} {stateName} {grain}");
        }
    }

    [Fact]
    public async Task KeysThatDifferOnlyInCaseOrLeadingZerosAreDifferentGrains()
    {
        // dotnet/orleans#9706: a provider that reads hexadecimal-looking or GUID-looking string
        // keys as numbers makes these one grain. Keys with '/' are what pub-sub grains use.
        string[] keys = ["dad", "DAD", "0dad", "12", "012", "d0d0d0d0-0000-0000-0000-000000000001", "D0D0D0D0-0000-0000-0000-000000000001", "probe/ns/dad", "ünïcode ✓"];
        foreach (var key in keys)
        {
            await Storage.WriteStateAsync(StateName, GrainId.Create("username", key), new GrainState<TestState>(Sample(key)));
        }

        foreach (var key in keys)
        {
            var state = NewState();
            await Storage.ReadStateAsync(StateName, GrainId.Create("username", key), state);
            Assert.True(state.RecordExists, key);
            Assert.Equal(key, state.State!.Name);
        }
    }

    [Fact]
    public async Task RacingFirstWritesOfOneStateExactlyOneWins()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Succeeds(() => Storage.WriteStateAsync(StateName, Grain, new GrainState<TestState>(Sample($"writer {i}"))))));

        Assert.Equal(1, outcomes.Count(won => won));
    }

    [Fact]
    public async Task RacingWritesFromOneReadExactlyOneWins()
    {
        await Storage.WriteStateAsync(StateName, Grain, new GrainState<TestState>(Sample("start")));
        var read = NewState();
        await Storage.ReadStateAsync(StateName, Grain, read);

        // Sixteen activations that all read the same version: one update may land, the rest are stale.
        var writers = Enumerable.Range(0, 16).Select(i => new GrainState<TestState>(Sample($"writer {i}"), read.ETag)).ToList();
        var outcomes = await Task.WhenAll(writers.Select(w => Succeeds(() => Storage.WriteStateAsync(StateName, Grain, w))));
        Assert.Equal(1, outcomes.Count(won => won));

        var winner = writers[Array.IndexOf(outcomes, true)];
        var final = NewState();
        await Storage.ReadStateAsync(StateName, Grain, final);
        Assert.Equal(winner.State!.Name, final.State!.Name);
        Assert.Equal(winner.ETag, final.ETag);
    }

    [Fact]
    public async Task StateSurvivesReopeningTheDatabase()
    {
        var writer = new GrainState<TestState>(Sample("kept"));
        await Storage.WriteStateAsync(StateName, Grain, writer);

        await RestartAsync();

        var reader = NewState();
        await Storage.ReadStateAsync(StateName, Grain, reader);
        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.Equal("kept", reader.State!.Name);
    }

    private static async Task<bool> Succeeds(Func<Task> write)
    {
        try
        {
            await write();
            return true;
        }
        catch (InconsistentStateException)
        {
            return false;
        }
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteGrainStorageContractTests : GrainStorageContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteDatabase? _database;

    protected override Task OpenAsync()
    {
        _database = new SqliteDatabase(_folder);
        return Task.CompletedTask;
    }

    protected override async Task ReopenAsync()
    {
        await _database!.DisposeAsync();
        _database = new SqliteDatabase(_folder);
    }

    protected override async Task CloseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    protected override IGrainStorage Create(string name) => new SqliteGrainStorage(name, _database!, Serializer);
}

[Trait("Category", "Integration")]
public sealed class PostgresGrainStorageContractTests : GrainStorageContractTests
{
    private PostgresTestDatabase? _server;
    private PostgresDatabase? _database;

    protected override async Task OpenAsync()
    {
        _server = await PostgresTestDatabase.CreateAsync();
        _database = new PostgresDatabase(_server.ConnectionString);
        await _database.MigrateAsync();
    }

    protected override async Task ReopenAsync()
    {
        await _database!.DisposeAsync();
        _database = new PostgresDatabase(_server!.ConnectionString);
        await _database.MigrateAsync();
    }

    protected override async Task CloseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override IGrainStorage Create(string name) => Create(name, "svc-a");

    private PostgresGrainStorage Create(string name, string serviceId) =>
        new(name, _database!, Serializer, Options.Create(new ClusterOptions { ServiceId = serviceId }));

    [Fact]
    public async Task StatesAreKeptApartByService()
    {
        await Storage.WriteStateAsync(StateName, Grain, new GrainState<TestState>(Sample("svc-a")));

        var other = Create(ProviderName, "svc-b");
        var state = NewState();
        await other.ReadStateAsync(StateName, Grain, state);
        Assert.False(state.RecordExists);

        // Its own first write does not collide with the other service's row.
        await other.WriteStateAsync(StateName, Grain, new GrainState<TestState>(Sample("svc-b")));
        var mine = NewState();
        await Storage.ReadStateAsync(StateName, Grain, mine);
        Assert.Equal("svc-a", mine.State!.Name);
    }
}
