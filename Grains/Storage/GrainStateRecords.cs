using Orleans.Storage;

namespace ChatOrleans.Grains.Storage;

/// <summary>
/// What the two grain state stores (<see cref="Sqlite.SqliteGrainStorage"/> and
/// <see cref="Postgres.PostgresGrainStorage"/>) tell the runtime alike: whether a row is stored
/// and under which ETag, and the refusal of a write whose ETag is not the stored one.
/// </summary>
internal static class GrainStateRecords
{
    /// <summary>A row is stored under <paramref name="etag"/>.</summary>
    public static void Stored<T>(IGrainState<T> grainState, string etag)
    {
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <summary>No row is stored (never written, or cleared); the state object stays as it is.</summary>
    public static void Absent<T>(IGrainState<T> grainState)
    {
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>The refusal of a write or clear by a caller holding <paramref name="expected"/> where <paramref name="stored"/> is stored.</summary>
    public static InconsistentStateException Mismatch(string storage, string stateName, string grainId, string? stored, string? expected) =>
        new(
            $"ETag mismatch for state {stateName} of grain {grainId} in storage {storage}: stored {stored ?? "<none>"}, given {expected ?? "<none>"}.",
            stored ?? string.Empty,
            expected ?? string.Empty);
}
