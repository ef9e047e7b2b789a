using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Orleans' reminder table in the embedded profile's SQLite file, so reminders outlive the
/// process like everything else in the data folder. Rows are keyed by service, grain and reminder
/// name; the ETag is a fresh GUID per write.
/// </summary>
public sealed class SqliteReminderTable(SqliteDatabase database, IOptions<ClusterOptions> cluster) : IReminderTable
{
    private const string Columns = ReminderRows.Columns;

    private readonly string _serviceId = cluster.Value.ServiceId;

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        database.ReadAsync(connection =>
        {
            using var command = SqliteDatabase.Command(connection, $"SELECT {Columns} FROM reminders WHERE service_id = $s AND grain_id = $g;");
            command.Parameters.AddWithValue("$s", _serviceId);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            return new ReminderTableData(ReadAll(command));
        });

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        database.ReadAsync(connection =>
        {
            // (begin, end], wrapping around when begin >= end.
            var range = begin < end ? "grain_hash > $b AND grain_hash <= $e" : "(grain_hash > $b OR grain_hash <= $e)";
            using var command = SqliteDatabase.Command(connection, $"SELECT {Columns} FROM reminders WHERE service_id = $s AND {range};");
            command.Parameters.AddWithValue("$s", _serviceId);
            command.Parameters.AddWithValue("$b", (long)begin);
            command.Parameters.AddWithValue("$e", (long)end);
            return new ReminderTableData(ReadAll(command));
        });

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        database.ReadAsync(connection =>
        {
            using var command = SqliteDatabase.Command(connection, $"SELECT {Columns} FROM reminders WHERE service_id = $s AND grain_id = $g AND reminder_name = $n;");
            command.Parameters.AddWithValue("$s", _serviceId);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.Parameters.AddWithValue("$n", reminderName);
            return ReadAll(command).FirstOrDefault();
        });

    public Task<string?> UpsertRow(ReminderEntry entry) =>
        database.WriteAsync<string?>(transaction =>
        {
            var etag = Guid.NewGuid().ToString("N");
            using var command = SqliteDatabase.Command(transaction, """
                INSERT INTO reminders (service_id, grain_id, reminder_name, grain_hash, start_at, period, etag)
                VALUES ($s, $g, $n, $h, $start, $period, $etag)
                ON CONFLICT (service_id, grain_id, reminder_name)
                DO UPDATE SET start_at = excluded.start_at, period = excluded.period, etag = excluded.etag;
                """);
            command.Parameters.AddWithValue("$s", _serviceId);
            command.Parameters.AddWithValue("$g", entry.GrainId.ToString());
            command.Parameters.AddWithValue("$n", entry.ReminderName);
            command.Parameters.AddWithValue("$h", (long)entry.GrainId.GetUniformHashCode());
            command.Parameters.AddWithValue("$start", DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc).Ticks);
            command.Parameters.AddWithValue("$period", entry.Period.Ticks);
            command.Parameters.AddWithValue("$etag", etag);
            command.ExecuteNonQuery();
            return etag;
        });

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        database.WriteAsync(transaction =>
        {
            using var command = SqliteDatabase.Command(transaction, "DELETE FROM reminders WHERE service_id = $s AND grain_id = $g AND reminder_name = $n AND etag = $etag;");
            command.Parameters.AddWithValue("$s", _serviceId);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.Parameters.AddWithValue("$n", reminderName);
            command.Parameters.AddWithValue("$etag", eTag);
            return command.ExecuteNonQuery() > 0;
        });

    public Task TestOnlyClearTable() =>
        database.WriteAsync(transaction =>
        {
            using var command = SqliteDatabase.Command(transaction, "DELETE FROM reminders WHERE service_id = $s;");
            command.Parameters.AddWithValue("$s", _serviceId);
            return command.ExecuteNonQuery();
        });

    private static List<ReminderEntry> ReadAll(SqliteCommand command)
    {
        var entries = new List<ReminderEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(ReminderRows.Read(reader));
        }

        return entries;
    }
}
