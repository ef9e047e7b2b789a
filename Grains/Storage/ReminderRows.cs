using System.Data.Common;

namespace ChatOrleans.Grains.Storage;

/// <summary>
/// The reminder tables' row, shared by SQLite and PostgreSQL: columns grain_id, reminder_name,
/// start_at (UTC ticks), period (ticks), etag, in that order.
/// </summary>
internal static class ReminderRows
{
    public const string Columns = "grain_id, reminder_name, start_at, period, etag";

    public static ReminderEntry Read(DbDataReader reader) => new()
    {
        GrainId = GrainId.Parse(reader.GetString(0)),
        ReminderName = reader.GetString(1),
        StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
        Period = TimeSpan.FromTicks(reader.GetInt64(3)),
        ETag = reader.GetString(4),
    };
}
