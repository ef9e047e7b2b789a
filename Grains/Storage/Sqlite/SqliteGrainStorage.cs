using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Orleans grain state in the embedded SQLite file, one row per (provider, state name, grain).
/// State is written with Orleans' own serializer, so any <c>[GenerateSerializer]</c> state class
/// works and renames are covered by <c>[Alias]</c>.
/// </summary>
/// <remarks>
/// Optimistic concurrency: each write stores a fresh random ETag and is refused with
/// <see cref="InconsistentStateException"/> unless the caller holds the stored one (null when no
/// row exists). Random rather than counted ETags, so a state cleared and written again never
/// reuses an ETag a stale activation still holds. The check and the write run in one transaction
/// on the single writer, so two activations cannot both pass it.
/// </remarks>
public sealed class SqliteGrainStorage(string name, SqliteDatabase database, Serializer serializer) : IGrainStorage
{
    public string Name { get; } = name;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = grainId.ToString();
        var row = await database.ReadAsync<(string ETag, byte[] Data)?>(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    "SELECT etag, data FROM grain_state WHERE provider = $provider AND state_name = $state AND grain_id = $grain;");
                AddKey(command, stateName, key);
                using var reader = command.ExecuteReader();
                return reader.Read() ? (reader.GetString(0), (byte[])reader.GetValue(1)) : null;
            },
            cancellationToken).ConfigureAwait(false);

        if (row is not { } stored)
        {
            // Nothing stored: the state object the runtime created stays as it is.
            GrainStateRecords.Absent(grainState);
            return;
        }

        grainState.State = serializer.Deserialize<T>(stored.Data);
        GrainStateRecords.Stored(grainState, stored.ETag);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = grainId.ToString();
        var expected = grainState.ETag;
        var data = serializer.SerializeToArray(grainState.State);
        var etag = NewETag();

        await database.WriteAsync(
            transaction =>
            {
                CheckETag(transaction, stateName, key, expected);
                using var upsert = SqliteDatabase.Command(
                    transaction,
                    """
                    INSERT INTO grain_state (provider, state_name, grain_id, etag, data)
                    VALUES ($provider, $state, $grain, $etag, $data)
                    ON CONFLICT (provider, state_name, grain_id) DO UPDATE SET etag = excluded.etag, data = excluded.data;
                    """);
                AddKey(upsert, stateName, key);
                upsert.Parameters.AddWithValue("$etag", etag);
                upsert.Parameters.Add("$data", SqliteType.Blob).Value = data;
                return upsert.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

        GrainStateRecords.Stored(grainState, etag);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = grainId.ToString();
        var expected = grainState.ETag;

        await database.WriteAsync(
            transaction =>
            {
                CheckETag(transaction, stateName, key, expected);
                using var delete = SqliteDatabase.Command(
                    transaction,
                    "DELETE FROM grain_state WHERE provider = $provider AND state_name = $state AND grain_id = $grain;");
                AddKey(delete, stateName, key);
                return delete.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

        GrainStateRecords.Absent(grainState);
    }

    private void CheckETag(SqliteTransaction transaction, string stateName, string grainId, string? expected)
    {
        using var select = SqliteDatabase.Command(
            transaction,
            "SELECT etag FROM grain_state WHERE provider = $provider AND state_name = $state AND grain_id = $grain;");
        AddKey(select, stateName, grainId);
        var stored = select.ExecuteScalar() as string;
        if (!string.Equals(stored, expected, StringComparison.Ordinal))
        {
            throw GrainStateRecords.Mismatch(Name, stateName, grainId, stored, expected);
        }
    }

    private void AddKey(SqliteCommand command, string stateName, string grainId)
    {
        command.Parameters.AddWithValue("$provider", Name);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId);
    }

    private static string NewETag() => Guid.NewGuid().ToString("N");
}
