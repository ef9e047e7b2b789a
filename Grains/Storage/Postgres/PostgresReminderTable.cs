using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// Orleans' reminder table in the production PostgreSQL database (schema version 3), shared by
/// every silo of the service. Rows are keyed by service, grain and reminder name; the ETag is a
/// fresh GUID per write.
/// </summary>
/// <remarks>
/// Why not Microsoft.Orleans.Reminders.AdoNet: its package ships no SQL; its PostgreSQL script
/// (in the Orleans repository, run by the deployer) would serve — a table keyed like this one, the
/// ring hash as a signed integer with range queries that stay correct, an integer version as the
/// ETag, start times in milliseconds — but it brings back what schema version 5 removed for grain
/// state: the <c>OrleansQuery</c> table of statements, two PL/pgSQL functions, and a schema
/// upgraded by hand from upstream scripts outside <see cref="PostgresSchema"/>. And like the grain
/// state provider it reaches one database through one connection string, where the scale-out plan
/// routes each table's rows by a partition map over several servers. So every durable table here
/// is ours, on <see cref="PostgresDatabase"/>'s pool, beside <see cref="Sqlite.SqliteReminderTable"/>.
/// </remarks>
public sealed class PostgresReminderTable(PostgresDatabase database, IOptions<ClusterOptions> cluster) : IReminderTable
{
    private const string Columns = ReminderRows.Columns;

    private readonly string _serviceId = cluster.Value.ServiceId;

    private NpgsqlDataSource DataSource => database.DataSource;

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        await using var command = DataSource.CreateCommand($"SELECT {Columns} FROM reminders WHERE service_id = $1 AND grain_id = $2;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.ToString() });
        return new ReminderTableData(await ReadAll(command));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // (begin, end], wrapping around when begin >= end.
        var range = begin < end ? "grain_hash > $2 AND grain_hash <= $3" : "(grain_hash > $2 OR grain_hash <= $3)";
        await using var command = DataSource.CreateCommand($"SELECT {Columns} FROM reminders WHERE service_id = $1 AND {range};");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = begin });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = end });
        return new ReminderTableData(await ReadAll(command));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        await using var command = DataSource.CreateCommand($"SELECT {Columns} FROM reminders WHERE service_id = $1 AND grain_id = $2 AND reminder_name = $3;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reminderName });
        return (await ReadAll(command)).FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = Guid.NewGuid().ToString("N");
        await using var command = DataSource.CreateCommand("""
            INSERT INTO reminders (service_id, grain_id, reminder_name, grain_hash, start_at, period, etag)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (service_id, grain_id, reminder_name)
            DO UPDATE SET start_at = excluded.start_at, period = excluded.period, etag = excluded.etag;
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.GrainId.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.ReminderName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.GrainId.GetUniformHashCode() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc).Ticks });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Period.Ticks });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = etag });
        await command.ExecuteNonQueryAsync();
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        await using var command = DataSource.CreateCommand("DELETE FROM reminders WHERE service_id = $1 AND grain_id = $2 AND reminder_name = $3 AND etag = $4;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reminderName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eTag });
        return await command.ExecuteNonQueryAsync() > 0;
    }

    public async Task TestOnlyClearTable()
    {
        await using var command = DataSource.CreateCommand("DELETE FROM reminders WHERE service_id = $1;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<ReminderEntry>> ReadAll(NpgsqlCommand command)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(ReminderRows.Read(reader));
        }

        return entries;
    }
}
