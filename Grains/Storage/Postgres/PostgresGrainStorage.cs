using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// Orleans grain state in the production PostgreSQL database (table <c>grain_state</c>, schema
/// version 5), one row per (service, provider, state name, grain type, grain key). State is
/// written with Orleans' own serializer, as in <see cref="Sqlite.SqliteGrainStorage"/>, so any
/// <c>[GenerateSerializer]</c> state class works and renames are covered by <c>[Alias]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Why our own store rather than Microsoft.Orleans.Persistence.AdoNet (which this replaced): the
/// scale-out plan partitions every table by chat or user id over several PostgreSQL servers by a
/// partition map, and the provider's one connection string cannot route a grain to its server;
/// with this class every durable table is ours, on one pool (<see cref="PostgresDatabase"/>, whose
/// connections commit synchronously) and one migration path (<see cref="PostgresSchema"/>). And
/// the provider keyed rows by state name and key without the grain type, and read a string key
/// that parses as hexadecimal as a number, so "dad", "DAD" and "0dad" were one grain to it
/// (dotnet/orleans#9706); here the key is the grain type and the whole key as text.
/// </para>
/// <para>
/// Optimistic concurrency as in the SQLite store: each write stores a fresh random ETag and is
/// refused with <see cref="InconsistentStateException"/> unless the caller holds the stored one
/// (null when no row exists). Random rather than counted, so a state cleared and written again
/// never reuses an ETag a stale activation still holds. Each check and its write are one
/// statement (an insert that yields on a conflict, or an update or delete conditioned on the
/// ETag), so two activations racing each other cannot both pass it. Clearing deletes the row.
/// </para>
/// </remarks>
public sealed class PostgresGrainStorage(
    string name, PostgresDatabase database, Serializer serializer, IOptions<ClusterOptions> cluster) : IGrainStorage
{
    private const string Key =
        "service_id = $1 AND provider = $2 AND state_name = $3 AND grain_type = $4 AND grain_key = $5";

    private readonly string _serviceId = cluster.Value.ServiceId;

    public string Name { get; } = name;

    private NpgsqlDataSource DataSource => database.DataSource;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await using var command = KeyedCommand($"SELECT etag, data FROM grain_state WHERE {Key};", stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Nothing stored: the state object the runtime created stays as it is.
            GrainStateRecords.Absent(grainState);
            return;
        }

        var etag = reader.GetString(0);
        grainState.State = serializer.Deserialize<T>(reader.GetFieldValue<byte[]>(1));
        GrainStateRecords.Stored(grainState, etag);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var expected = grainState.ETag;
        var data = serializer.SerializeToArray(grainState.State);
        var etag = NewETag();

        // No ETag: only a first write, which yields to a row already there. An ETag: only the
        // holder of the stored one.
        await using var command = KeyedCommand(
            expected is null
                ? """
                  INSERT INTO grain_state (service_id, provider, state_name, grain_type, grain_key, etag, data)
                  VALUES ($1, $2, $3, $4, $5, $6, $7)
                  ON CONFLICT DO NOTHING;
                  """
                : $"UPDATE grain_state SET etag = $6, data = $7 WHERE {Key} AND etag = $8;",
            stateName,
            grainId);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = etag });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = data });
        if (expected is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = expected });
        }

        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw await MismatchAsync(stateName, grainId, expected, cancellationToken).ConfigureAwait(false);
        }

        GrainStateRecords.Stored(grainState, etag);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var expected = grainState.ETag;
        if (expected is null)
        {
            // Clearing what the caller never saw stored: harmless when nothing is, refused when a
            // row is there (someone else wrote it).
            if (await StoredETagAsync(stateName, grainId, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw await MismatchAsync(stateName, grainId, expected, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await using var command = KeyedCommand($"DELETE FROM grain_state WHERE {Key} AND etag = $6;", stateName, grainId);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = expected });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw await MismatchAsync(stateName, grainId, expected, cancellationToken).ConfigureAwait(false);
            }
        }

        GrainStateRecords.Absent(grainState);
    }

    private async Task<string?> StoredETagAsync(string stateName, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = KeyedCommand($"SELECT etag FROM grain_state WHERE {Key};", stateName, grainId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>The refusal of a write or clear, naming the ETag stored now (read after the fact, for the message).</summary>
    private async Task<InconsistentStateException> MismatchAsync(
        string stateName, GrainId grainId, string? expected, CancellationToken cancellationToken)
    {
        var stored = await StoredETagAsync(stateName, grainId, cancellationToken).ConfigureAwait(false);
        return GrainStateRecords.Mismatch(Name, stateName, grainId.ToString(), stored, expected);
    }

    /// <summary>A command whose parameters $1 to $5 are the row's key.</summary>
    private NpgsqlCommand KeyedCommand(string sql, string stateName, GrainId grainId)
    {
        var command = DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.Type.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.Key.ToString() });
        return command;
    }

    private static string NewETag() => Guid.NewGuid().ToString("N");
}
