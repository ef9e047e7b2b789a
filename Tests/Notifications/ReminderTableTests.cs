using ChatOrleans.Grains.Storage.Postgres;
using ChatOrleans.Grains.Storage.Sqlite;
using ChatOrleans.Tests.Infrastructure;
using ChatOrleans.Tests.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// The reminder table contract (the notification pipeline's durable wake-up) on both stores:
/// rows by grain and by hash range (wrapping around), updates with a fresh ETag, removal only
/// with the current ETag, and services kept apart.
/// </summary>
public abstract class ReminderTableContractTests
{
    protected abstract Task<IReminderTable> CreateAsync(string serviceId);

    [Fact]
    public async Task RowsAreStoredReadByGrainAndRangeAndRemovedOnlyWithTheirETag()
    {
        var table = await CreateAsync("svc-a");
        var grain = GrainId.Create("notificationinbox", "u_" + Guid.NewGuid().ToString("N"));
        var start = new DateTime(2026, 11, 28, 10, 0, 0, 123, DateTimeKind.Utc);
        var etag = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "notifications", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        Assert.False(string.IsNullOrEmpty(etag));

        var row = await table.ReadRow(grain, "notifications");
        Assert.NotNull(row);
        Assert.Equal(grain, row.GrainId);
        Assert.Equal(start, row.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(1), row.Period);
        Assert.Equal(etag, row.ETag);
        Assert.Single((await table.ReadRows(grain)).Reminders);

        var hash = grain.GetUniformHashCode();
        Assert.Contains((await table.ReadRows(hash - 1, hash)).Reminders, r => r.GrainId == grain);
        Assert.DoesNotContain((await table.ReadRows(hash, hash == uint.MaxValue ? 0 : hash + 1)).Reminders, r => r.GrainId == grain);
        // begin >= end wraps around: everything above begin and everything up to end.
        Assert.Contains((await table.ReadRows(hash, hash)).Reminders, r => r.GrainId == grain);
        Assert.Contains((await table.ReadRows(uint.MaxValue, hash)).Reminders, r => r.GrainId == grain);

        var newer = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "notifications", StartAt = start.AddMinutes(5), Period = TimeSpan.FromSeconds(30) });
        Assert.NotEqual(etag, newer);
        Assert.False(await table.RemoveRow(grain, "notifications", etag!));
        Assert.Equal(start.AddMinutes(5), (await table.ReadRow(grain, "notifications"))!.StartAt);

        var other = await CreateAsync("svc-b");
        Assert.Null(await other.ReadRow(grain, "notifications"));

        Assert.True(await table.RemoveRow(grain, "notifications", newer!));
        Assert.Null(await table.ReadRow(grain, "notifications"));
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteReminderTableTests : ReminderTableContractTests, IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly SqliteDatabase _database;

    public SqliteReminderTableTests() => _database = new SqliteDatabase(_data.Path);

    protected override Task<IReminderTable> CreateAsync(string serviceId) =>
        Task.FromResult<IReminderTable>(new SqliteReminderTable(_database, Options.Create(new ClusterOptions { ServiceId = serviceId })));

    public void Dispose()
    {
        _database.Dispose();
        _data.Dispose();
    }
}

[Trait("Category", "Integration")]
public sealed class PostgresReminderTableTests : ReminderTableContractTests, IAsyncLifetime
{
    private PostgresTestDatabase _server = null!;
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresTestDatabase.CreateAsync();
        _database = new PostgresDatabase(_server.ConnectionString);
        await _database.MigrateAsync();
    }

    protected override Task<IReminderTable> CreateAsync(string serviceId) =>
        Task.FromResult<IReminderTable>(new PostgresReminderTable(_database, Options.Create(new ClusterOptions { ServiceId = serviceId })));

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }
}
