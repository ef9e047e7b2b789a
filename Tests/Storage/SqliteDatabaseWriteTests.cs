using ChatOrleans.Grains.Storage.Sqlite;

namespace ChatOrleans.Tests.Storage;

/// <summary>
/// The single writer's answers: each write gets its own typed result, a failing write fails alone,
/// and a write cancelled while it waits for its group is dropped without running.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SqliteDatabaseWriteTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteDatabase _database = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(_folder);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task WritesQueuedBehindABusyWriterGetTheirOwnResultsAndFailuresAlone()
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = _database.WriteAsync(_ => Hold(holding, release));
        Assert.True(holding.Wait(Timeout), "the first write never started");

        // These three wait for the first group's end, then go together in the next one.
        var number = _database.WriteAsync(tx => Count(tx, "one"));
        var failing = _database.WriteAsync<int>(_ => throw new InvalidOperationException("this write fails"));
        var text = _database.WriteAsync(tx => Count(tx, "two") == 2 ? "stored" : "missing");
        release.Set();

        Assert.True(await first.WaitAsync(Timeout));
        Assert.Equal(1, await number.WaitAsync(Timeout));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Timeout));
        Assert.Equal("this write fails", error.Message);
        Assert.Equal("stored", await text.WaitAsync(Timeout));
        Assert.Equal(2, await CountStoredAsync());
    }

    [Fact]
    public async Task AWriteCancelledWhileItWaitsForItsGroupIsDroppedWithoutRunning()
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = _database.WriteAsync(_ => Hold(holding, release));
        Assert.True(holding.Wait(Timeout), "the first write never started");

        using var cancel = new CancellationTokenSource();
        var ran = false;
        var cancelled = _database.WriteAsync(
            tx =>
            {
                ran = true;
                return Count(tx, "cancelled");
            },
            cancel.Token);
        var after = _database.WriteAsync(tx => Count(tx, "after"));
        await cancel.CancelAsync();
        release.Set();

        Assert.True(await first.WaitAsync(Timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.Equal(1, await after.WaitAsync(Timeout));
        Assert.False(ran);
        Assert.Equal(1, await CountStoredAsync());
    }

    [Fact]
    public async Task TheWriterKeepsALargePageCacheAndCheckpointsEveryTenThousandPages()
    {
        // Both are per connection: ask the writer itself. A negative cache_size is in KiB.
        var (cacheSize, checkpointPages) = await _database.WriteAsync(tx =>
        {
            using var cache = SqliteDatabase.Command(tx, "PRAGMA cache_size;");
            using var checkpoint = SqliteDatabase.Command(tx, "PRAGMA wal_autocheckpoint;");
            return ((long)cache.ExecuteScalar()!, (long)checkpoint.ExecuteScalar()!);
        });

        Assert.Equal(-64 * 1024, cacheSize);
        Assert.Equal(10_000, checkpointPages);
    }

    /// <summary>Holds the writer (inside its transaction) until the test lets it go.</summary>
    private static bool Hold(ManualResetEventSlim holding, ManualResetEventSlim release)
    {
        holding.Set();
        return release.Wait(Timeout);
    }

    /// <summary>Stores one row in a table of the test's own and returns how many it holds now.</summary>
    private static int Count(Microsoft.Data.Sqlite.SqliteTransaction transaction, string value)
    {
        using (var create = SqliteDatabase.Command(transaction, "CREATE TABLE IF NOT EXISTS test_writes (value TEXT NOT NULL);"))
        {
            create.ExecuteNonQuery();
        }

        using (var insert = SqliteDatabase.Command(transaction, "INSERT INTO test_writes (value) VALUES ($value);"))
        {
            insert.Parameters.AddWithValue("$value", value);
            insert.ExecuteNonQuery();
        }

        using var count = SqliteDatabase.Command(transaction, "SELECT COUNT(*) FROM test_writes;");
        return checked((int)(long)count.ExecuteScalar()!);
    }

    private Task<int> CountStoredAsync() =>
        _database.ReadAsync(connection =>
        {
            using var count = SqliteDatabase.Command(connection, "SELECT COUNT(*) FROM test_writes;");
            return checked((int)(long)count.ExecuteScalar()!);
        });
}
