using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Sqlite;

namespace ChatOrleans.Tests.Storage;

/// <summary>The message log contract on the embedded SQLite file, plus what is SQLite's own.</summary>
[Trait("Category", "Integration")]
public sealed class SqliteMessageLogTests : MessageLogContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteDatabase? _database;

    private SqliteDatabase Database => _database!;

    protected override Task<IMessageLog> OpenAsync()
    {
        _database = new SqliteDatabase(_folder);
        return Task.FromResult<IMessageLog>(new SqliteMessageLog(_database));
    }

    protected override async Task<IMessageLog> ReopenAsync()
    {
        // A new database object on the same folder, as after a process restart.
        await Database.DisposeAsync();
        return await OpenAsync();
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

    [Fact]
    public async Task ReopeningKeepsTheSchemaVersion()
    {
        await Log.AppendAsync("chat-a", [Message("chat-a", 1)]);
        await RestartAsync();

        Assert.Equal(3, Database.SchemaVersion);
        Assert.Equal(1, await Log.GetLastSeqAsync("chat-a"));
    }

    [Fact]
    public async Task DatabaseIsWalWithFullSyncAndVersionedSchema()
    {
        // synchronous is per connection: ask the writer itself. FULL is 2.
        var synchronous = await Database.WriteAsync(tx =>
        {
            using var command = SqliteDatabase.Command(tx, "PRAGMA synchronous;");
            return command.ExecuteScalar();
        });
        Assert.Equal(2L, synchronous);

        var (journalMode, versions) = await Database.ReadAsync(connection =>
        {
            using var mode = SqliteDatabase.Command(connection, "PRAGMA journal_mode;");
            using var version = SqliteDatabase.Command(connection, "SELECT group_concat(version) FROM schema_version;");
            return ((string)mode.ExecuteScalar()!, (string)version.ExecuteScalar()!);
        });
        Assert.Equal("wal", journalMode);
        Assert.Equal("1,2,3", versions);
        Assert.Equal(Path.Combine(_folder, "chatorleans.db"), Database.FilePath);
    }
}
