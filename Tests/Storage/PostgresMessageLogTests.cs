using ChatOrleans.Grains.Storage;
using ChatOrleans.Grains.Storage.Postgres;
using Npgsql;

namespace ChatOrleans.Tests.Storage;

/// <summary>The message log contract on PostgreSQL, plus what is PostgreSQL's own.</summary>
[Trait("Category", "Integration")]
public sealed class PostgresMessageLogTests : MessageLogContractTests
{
    private PostgresTestDatabase? _server;
    private PostgresDatabase? _database;

    private PostgresDatabase Database => _database!;

    protected override async Task<IMessageLog> OpenAsync()
    {
        _server = await PostgresTestDatabase.CreateAsync();
        return await OpenLogAsync();
    }

    protected override async Task<IMessageLog> ReopenAsync()
    {
        await Database.DisposeAsync();
        return await OpenLogAsync();
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

    private async Task<IMessageLog> OpenLogAsync()
    {
        _database = new PostgresDatabase(_server!.ConnectionString);
        await _database.MigrateAsync();
        return new PostgresMessageLog(_database);
    }

    [Fact]
    public async Task SchemaIsVersionedAndReopeningKeepsIt()
    {
        Assert.Equal(PostgresSchema.Latest, Database.SchemaVersion);
        Assert.Equal("1,2,3,4,5", await ScalarAsync<string>("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version;"));

        await RestartAsync();
        Assert.Equal(PostgresSchema.Latest, Database.SchemaVersion);
        Assert.Equal(5L, await ScalarAsync<long>("SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public async Task SessionsCommitSynchronouslyEvenWhenTheDatabaseDefaultIsOff()
    {
        Assert.Equal("on", await ScalarAsync<string>("SHOW synchronous_commit;"));

        // A database default (or a role's) must not weaken "durable before ack".
        await ScalarAsync<object>($"ALTER DATABASE \"{_server!.Name}\" SET synchronous_commit = off;");
        await RestartAsync();

        Assert.Equal("on", await ScalarAsync<string>("SHOW synchronous_commit;"));
        await using var plain = new NpgsqlConnection(_server.ConnectionString);
        await plain.OpenAsync();
        await using var show = new NpgsqlCommand("SHOW synchronous_commit;", plain);
        Assert.Equal("off", await show.ExecuteScalarAsync()); // the setting above did take effect
    }

    [Fact]
    public async Task AppendSpanningSeveralStatementsIsAllOrNothing()
    {
        var count = PostgresMessageLog.RowsPerStatement + 200;
        var messages = Enumerable.Range(1, count).Select(i => Message("chat-a", i)).ToList();

        // The last row, in the second statement, takes seq 1 again: the first statement's rows go too.
        var clash = messages.Take(count - 1).Append(Message("chat-a", 1, clientMsgId: "again") with { MessageId = "again" }).ToList();
        await Assert.ThrowsAsync<SeqConflictException>(() => Log.AppendAsync("chat-a", clash));
        Assert.Equal(0, await Log.GetLastSeqAsync("chat-a"));

        await Log.AppendAsync("chat-a", messages);
        Assert.Equal(count, await Log.GetLastSeqAsync("chat-a"));
        Assert.Equal(count, await Log.CountUnreadAsync("chat-a", 0, long.MaxValue, "nobody"));
    }

    [Fact]
    public async Task ManyChatsAppendingAtOnceAreAllStoredAndAConflictFailsOnlyItsOwnChat()
    {
        await Log.AppendAsync("chat-taken", [Message("chat-taken", 1)]);

        // Far more appends than writes in flight, so they share batches with the conflicting one.
        var appends = Enumerable.Range(0, 200)
            .Select(i => Log.AppendAsync($"chat-{i}", [Message($"chat-{i}", 1), Message($"chat-{i}", 2)]))
            .Append(Log.AppendAsync("chat-taken", [Message("chat-taken", 1, clientMsgId: "again") with { MessageId = "again" }]))
            .ToList();
        var outcomes = await Task.WhenAll(appends.Select(async a =>
        {
            try
            {
                await a;
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }));

        Assert.All(outcomes.Take(200), Assert.Null);
        Assert.IsType<SeqConflictException>(outcomes[^1]);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(2, await Log.GetLastSeqAsync($"chat-{i}"));
        }

        Assert.Equal("chat-taken-m1", (await Log.ReadAsync("chat-taken", HistoryQuery.Create(null, null, 10))).Single().MessageId);
    }

    [Fact]
    public async Task TimesAreStoredAsUtcTicks()
    {
        var createdAt = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(-5)).AddTicks(7);
        await Log.AppendAsync("chat-a", [Message("chat-a", 1) with { CreatedAt = createdAt }]);

        Assert.Equal(createdAt.UtcTicks, await ScalarAsync<long>("SELECT created_at FROM messages WHERE chat_id = 'chat-a';"));
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// A fresh database with a random name on the PostgreSQL server named by
/// <c>CHATORLEANS_TEST_POSTGRES</c>, dropped on dispose. Without that variable the test fails:
/// a production store that is never tested is not to pass quietly.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "CHATORLEANS_TEST_POSTGRES";

    private readonly string _serverConnectionString;

    private PostgresTestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>A fresh database on <paramref name="server"/>, by default the shared server of <c>CHATORLEANS_TEST_POSTGRES</c>.</summary>
    public static async Task<PostgresTestDatabase> CreateAsync(string? server = null)
    {
        server ??= Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL tests cannot run: run ./test.sh, which starts PostgreSQL " +
                $"(deploy/services/postgres.sh start) and sets {Variable} to its connection string.");
        }

        var database = new PostgresTestDatabase(server, "chatorleans_test_" + Guid.NewGuid().ToString("N"));
        await database.ExecuteOnServerAsync($"CREATE DATABASE \"{database.Name}\";");
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // FORCE: a pooled connection someone forgot must not leave the database behind.
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE);");
    }

    private async Task ExecuteOnServerAsync(string sql)
    {
        // Unpooled: a pooled idle connection to the server database is harmless, but there is no need for one.
        var settings = new NpgsqlConnectionStringBuilder(_serverConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
