using Microsoft.Data.Sqlite;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary><see cref="IDevicePositionStore"/> in the embedded SQLite file: one upsert per position, all in one group-committed write.</summary>
public sealed class SqliteDevicePositionStore(SqliteDatabase database) : IDevicePositionStore
{
    public Task RaiseAsync(IReadOnlyList<DevicePosition> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync(
            transaction =>
            {
                using var upsert = SqliteDatabase.Command(
                    transaction,
                    """
                    INSERT INTO device_positions (device_key, chat_id, seq) VALUES ($device, $chat, $seq)
                    ON CONFLICT (device_key, chat_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > device_positions.seq;
                    """);
                var device = upsert.Parameters.Add("$device", SqliteType.Text);
                var chat = upsert.Parameters.Add("$chat", SqliteType.Text);
                var seq = upsert.Parameters.Add("$seq", SqliteType.Integer);
                foreach (var position in positions)
                {
                    device.Value = position.DeviceKey;
                    chat.Value = position.ChatId;
                    seq.Value = position.Seq;
                    upsert.ExecuteNonQuery();
                }

                return true;
            },
            cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, long>> ReadAsync(string deviceKey, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyDictionary<string, long>>(
            connection =>
            {
                using var command = SqliteDatabase.Command(connection, "SELECT chat_id, seq FROM device_positions WHERE device_key = $device;");
                command.Parameters.AddWithValue("$device", deviceKey);
                using var reader = command.ExecuteReader();
                var positions = new Dictionary<string, long>(StringComparer.Ordinal);
                while (reader.Read())
                {
                    positions[reader.GetString(0)] = reader.GetInt64(1);
                }

                return positions;
            },
            cancellationToken);
}
