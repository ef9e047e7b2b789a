using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Postgres;
using ChatOrleans.Grains.Storage.Sqlite;

namespace ChatOrleans.Tests.Storage;

/// <summary>What every <see cref="IDevicePositionStore"/> must do, run against each implementation by a subclass.</summary>
public abstract class DevicePositionStoreContractTests : IAsyncLifetime
{
    private IDevicePositionStore? _store;

    protected IDevicePositionStore Store => _store!;

    protected abstract Task<IDevicePositionStore> OpenAsync();

    protected abstract Task CloseAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public Task DisposeAsync() => CloseAsync();

    [Fact]
    public async Task PositionsOnlyRiseWhateverOrderTheBatchesArriveIn()
    {
        await Store.RaiseAsync([new("u1/phone", "chat-a", 5), new("u1/phone", "chat-b", 2)]);
        await Store.RaiseAsync([new("u1/phone", "chat-a", 3), new("u1/phone", "chat-b", 7)]);

        var positions = await Store.ReadAsync("u1/phone");
        Assert.Equal(5, positions["chat-a"]);
        Assert.Equal(7, positions["chat-b"]);
        Assert.Equal(2, positions.Count);
    }

    [Fact]
    public async Task TheSameDeviceAndChatTwiceInOneBatchKeepsTheHigher()
    {
        await Store.RaiseAsync([new("u1/phone", "chat-a", 9), new("u1/phone", "chat-a", 4), new("u1/phone", "chat-a", 6)]);

        Assert.Equal(9, (await Store.ReadAsync("u1/phone"))["chat-a"]);
    }

    [Fact]
    public async Task EachDeviceReadsOnlyItsOwnPositions()
    {
        var batch = Enumerable.Range(0, 3_000).Select(i => new DevicePosition($"u{i}/phone", "chat-big", i + 1)).ToList();
        await Store.RaiseAsync(batch);

        Assert.Equal(1, (await Store.ReadAsync("u0/phone"))["chat-big"]);
        Assert.Equal(3_000, (await Store.ReadAsync("u2999/phone"))["chat-big"]);
        Assert.Single(await Store.ReadAsync("u1500/phone"));
        Assert.Empty(await Store.ReadAsync("u1/laptop"));
    }

    [Fact]
    public async Task AnEmptyBatchChangesNothing()
    {
        await Store.RaiseAsync([]);

        Assert.Empty(await Store.ReadAsync("u1/phone"));
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteDevicePositionStoreTests : DevicePositionStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteDatabase? _database;

    protected override Task<IDevicePositionStore> OpenAsync()
    {
        _database = new SqliteDatabase(_folder);
        return Task.FromResult<IDevicePositionStore>(new SqliteDevicePositionStore(_database));
    }

    protected override async Task CloseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

[Trait("Category", "Integration")]
public sealed class PostgresDevicePositionStoreTests : DevicePositionStoreContractTests
{
    private PostgresTestDatabase? _server;
    private PostgresDatabase? _database;

    protected override async Task<IDevicePositionStore> OpenAsync()
    {
        _server = await PostgresTestDatabase.CreateAsync();
        _database = new PostgresDatabase(_server.ConnectionString);
        await _database.MigrateAsync();
        return new PostgresDevicePositionStore(_database);
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
}
