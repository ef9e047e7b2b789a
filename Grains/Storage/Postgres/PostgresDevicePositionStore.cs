using Npgsql;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// <see cref="IDevicePositionStore"/> on PostgreSQL: a batch is one statement over three arrays,
/// so ten thousand positions cost one round trip and one commit.
/// </summary>
public sealed class PostgresDevicePositionStore(PostgresDatabase database) : IDevicePositionStore
{
    public async Task RaiseAsync(IReadOnlyList<DevicePosition> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0)
        {
            return;
        }

        // One row per (device, chat): ON CONFLICT cannot touch the same row twice in one statement.
        var highest = new Dictionary<(string Device, string Chat), long>();
        foreach (var position in positions)
        {
            var key = (position.DeviceKey, position.ChatId);
            if (!highest.TryGetValue(key, out var known) || position.Seq > known)
            {
                highest[key] = position.Seq;
            }
        }

        // Sorted, so concurrent batches lock rows in the same order and cannot deadlock.
        var rows = highest.OrderBy(p => p.Key.Device, StringComparer.Ordinal).ThenBy(p => p.Key.Chat, StringComparer.Ordinal).ToArray();
        await using var command = database.DataSource.CreateCommand(
            """
            INSERT INTO device_positions (device_key, chat_id, seq)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
            ON CONFLICT (device_key, chat_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > device_positions.seq;
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.Device)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.Chat)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Value)] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, long>> ReadAsync(string deviceKey, CancellationToken cancellationToken = default)
    {
        await using var command = database.DataSource.CreateCommand("SELECT chat_id, seq FROM device_positions WHERE device_key = $1;");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            positions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return positions;
    }
}
