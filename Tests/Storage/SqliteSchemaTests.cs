using ChatOrleans.Grains.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace ChatOrleans.Tests.Storage;

/// <summary>The SQLite schema migrations on a fresh in-memory database, without the writer around them.</summary>
[Trait("Category", "Unit")]
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public SqliteSchemaTests() => _connection.Open();

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void AFreshDatabaseGetsEveryMigrationOnceInOrder()
    {
        var applied = new List<int>();
        var version = SqliteSchema.Migrate(_connection, applied.Add);

        Assert.Equal(SqliteSchema.Latest, version);
        Assert.Equal(Enumerable.Range(1, SqliteSchema.Latest), applied);
        Assert.Equal(["device_positions", "grain_state", "messages", "reminders", "schema_version"], Tables());
    }

    [Fact]
    public void MigratingAgainAppliesNothing()
    {
        SqliteSchema.Migrate(_connection, _ => { });
        var applied = new List<int>();

        Assert.Equal(SqliteSchema.Latest, SqliteSchema.Migrate(_connection, applied.Add));
        Assert.Empty(applied);
    }

    [Fact]
    public void ADatabaseFromANewerBuildIsRefused()
    {
        SqliteSchema.Migrate(_connection, _ => { });
        using (var newer = _connection.CreateCommand())
        {
            newer.CommandText = $"INSERT INTO schema_version (version, applied_at) VALUES ({SqliteSchema.Latest + 1}, 'later');";
            newer.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidOperationException>(() => SqliteSchema.Migrate(_connection, _ => { }));
        Assert.Contains($"has schema version {SqliteSchema.Latest + 1}; this build knows up to {SqliteSchema.Latest}", refused.Message, StringComparison.Ordinal);
    }

    private List<string> Tables()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
