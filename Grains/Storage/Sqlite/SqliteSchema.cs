using Microsoft.Data.Sqlite;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary>
/// The versioned schema. Each migration runs once, in order, in one transaction with its row in
/// <c>schema_version</c>; append new versions at the end and never edit a released one.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: the message log and grain state.
        """
        CREATE TABLE messages (
            chat_id           TEXT    NOT NULL,
            seq               INTEGER NOT NULL,
            message_id        TEXT    NOT NULL,
            sender_id         TEXT    NOT NULL,
            sender_device_id  TEXT    NOT NULL,
            client_msg_id     TEXT    NOT NULL,
            text              TEXT,
            mentions          TEXT    NOT NULL, -- JSON array of user ids
            media_ids         TEXT    NOT NULL, -- JSON array of media ids
            parent_message_id TEXT,
            created_at        INTEGER NOT NULL, -- UTC ticks (100 ns since 0001-01-01)
            deleted_at        INTEGER,          -- UTC ticks; NULL while not deleted
            PRIMARY KEY (chat_id, seq),
            UNIQUE (chat_id, sender_id, client_msg_id),
            UNIQUE (chat_id, message_id)
        ) WITHOUT ROWID;

        -- Deletions are rare: a partial index keeps "deleted since" and "last deleted" cheap.
        CREATE INDEX ix_messages_deleted ON messages (chat_id, deleted_at) WHERE deleted_at IS NOT NULL;

        CREATE TABLE grain_state (
            provider   TEXT NOT NULL,
            state_name TEXT NOT NULL,
            grain_id   TEXT NOT NULL,
            etag       TEXT NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (provider, state_name, grain_id)
        ) WITHOUT ROWID;
        """,

        // 2: Orleans reminders (SqliteReminderTable): the notification pipeline's durable wake-up.
        """
        CREATE TABLE reminders (
            service_id    TEXT    NOT NULL,
            grain_id      TEXT    NOT NULL,
            reminder_name TEXT    NOT NULL,
            grain_hash    INTEGER NOT NULL, -- GrainId.GetUniformHashCode(), 0 to 2^32-1
            start_at      INTEGER NOT NULL, -- UTC ticks
            period        INTEGER NOT NULL, -- ticks
            etag          TEXT    NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        ) WITHOUT ROWID;

        CREATE INDEX ix_reminders_hash ON reminders (service_id, grain_hash);
        """,

        // 3: devices' unconfirmed delivery positions (SqliteDevicePositionStore), written in
        // batches by the gateways instead of through each DeviceGrain's state.
        """
        CREATE TABLE device_positions (
            device_key TEXT    NOT NULL,
            chat_id    TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            PRIMARY KEY (device_key, chat_id)
        ) WITHOUT ROWID;
        """,
    ];

    public static int Latest => Migrations.Length;

    public static int Migrate(SqliteConnection connection, Action<int> applied)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);");

        // BEGIN IMMEDIATE: two processes opening the same file migrate one after the other.
        using var transaction = connection.BeginTransaction();
        using var current = SqliteDatabase.Command(transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
        var version = Convert.ToInt32(current.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Latest)
        {
            throw new InvalidOperationException(
                $"The database {connection.DataSource} has schema version {version}; this build knows up to {Latest}.");
        }

        var done = new List<int>();
        for (var next = version + 1; next <= Latest; next++)
        {
            using (var migrate = SqliteDatabase.Command(transaction, Migrations[next - 1]))
            {
                migrate.ExecuteNonQuery();
            }

            using var record = SqliteDatabase.Command(transaction, "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at);");
            record.Parameters.AddWithValue("$v", next);
            record.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            record.ExecuteNonQuery();
            done.Add(next);
        }

        transaction.Commit();
        done.ForEach(applied);
        return Latest;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = SqliteDatabase.Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
