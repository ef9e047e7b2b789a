namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// The production database's versioned schema. <see cref="PostgresDatabase.MigrateAsync(CancellationToken)"/> applies
/// each migration once, in order, in its own transaction together with its row in
/// <c>schema_version</c>. Append new versions at the end; never edit a released one.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The schema version this build creates and expects.</summary>
    public static int Latest => Migrations.Length;

    internal static readonly string[] Migrations =
    [
        // 1: the message log. Same columns and constraints as the SQLite log. Times are UTC ticks
        // (100 ns since 0001-01-01) in bigint rather than timestamptz, whose microsecond precision
        // would not give back the DateTimeOffset that was stored; mentions and media ids are arrays.
        """
        CREATE TABLE messages (
            chat_id           text   NOT NULL,
            seq               bigint NOT NULL,
            message_id        text   NOT NULL,
            sender_id         text   NOT NULL,
            sender_device_id  text   NOT NULL,
            client_msg_id     text   NOT NULL,
            text              text,
            mentions          text[] NOT NULL DEFAULT '{}',
            media_ids         text[] NOT NULL DEFAULT '{}',
            parent_message_id text,
            created_at        bigint NOT NULL,
            deleted_at        bigint,
            CONSTRAINT messages_pkey PRIMARY KEY (chat_id, seq),
            CONSTRAINT messages_client_msg_id_key UNIQUE (chat_id, sender_id, client_msg_id),
            CONSTRAINT messages_message_id_key UNIQUE (chat_id, message_id)
        );

        -- Deletions are rare: a partial index keeps "deleted since" and "last deleted" cheap.
        CREATE INDEX messages_deleted_idx ON messages (chat_id, deleted_at) WHERE deleted_at IS NOT NULL;
        """,

        // 2: grain state for Microsoft.Orleans.Persistence.AdoNet, which this build no longer uses:
        // migration 5 moves its rows to grain_state and drops both tables. The provider loads its four
        // statements from OrleansQuery at start-up, binds @GrainIdHash, @GrainIdN0, @GrainIdN1,
        // @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId (and
        // @GrainStateVersion, @PayloadBinary) and reads the columns PayloadBinary, Version and
        // NewGrainStateVersion by name. The version is the ETag: a write or clear names the
        // version it read and is refused (no row comes back) when the stored one has moved on.
        // Unlike Orleans' sample script, one grain state is one row by a UNIQUE index: two first
        // writes racing each other cannot both insert.
        $"""
        CREATE TABLE orleansquery (
            querykey  varchar(64)   NOT NULL,
            querytext varchar(8000) NOT NULL,
            CONSTRAINT orleansquery_key PRIMARY KEY (querykey)
        );

        CREATE TABLE orleansstorage (
            grainidhash            integer      NOT NULL,
            grainidn0              bigint       NOT NULL,
            grainidn1              bigint       NOT NULL,
            graintypehash          integer      NOT NULL,
            graintypestring        varchar(512) NOT NULL,
            grainidextensionstring varchar(512),
            serviceid              varchar(150) NOT NULL,
            payloadbinary          bytea,
            modifiedon             timestamptz  NOT NULL DEFAULT now(),
            version                integer      NOT NULL
        );

        -- The lookup uses the hash prefix; the rest makes the key exact. A NULL extension and ''
        -- are different keys, hence the IS NULL term.
        CREATE UNIQUE INDEX orleansstorage_grain_key ON orleansstorage (
            grainidhash, graintypehash, grainidn0, grainidn1, serviceid, graintypestring,
            coalesce(grainidextensionstring, ''), (grainidextensionstring IS NULL));

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('ReadFromStorageKey', $q$
            SELECT payloadbinary, version
            FROM orleansstorage
            WHERE {GrainMatch};
        $q$),
        ('WriteToStorageKey', $q$
            WITH updated AS (
                UPDATE orleansstorage
                SET payloadbinary = @PayloadBinary, version = version + 1, modifiedon = now()
                WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
                  AND {GrainMatch}
                RETURNING version
            ), inserted AS (
                INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                            grainidextensionstring, serviceid, payloadbinary, version)
                SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                       @GrainIdExtensionString, @ServiceId, @PayloadBinary, 1
                WHERE @GrainStateVersion IS NULL
                ON CONFLICT DO NOTHING
                RETURNING version
            )
            SELECT version AS newgrainstateversion FROM updated
            UNION ALL
            SELECT version FROM inserted;
        $q$),
        ('ClearStorageKey', $q$
            UPDATE orleansstorage
            SET payloadbinary = NULL, version = version + 1, modifiedon = now()
            WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
              AND {GrainMatch}
            RETURNING version AS newgrainstateversion;
        $q$),
        ('DeleteStorageKey', $q$
            DELETE FROM orleansstorage
            WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
              AND {GrainMatch}
            RETURNING version + 1 AS newgrainstateversion;
        $q$);
        """,

        // 3: Orleans reminders (PostgresReminderTable): the notification pipeline's durable
        // wake-up. Times in UTC ticks like the message log; the hash is 0 to 2^32-1.
        """
        CREATE TABLE reminders (
            service_id    text   NOT NULL,
            grain_id      text   NOT NULL,
            reminder_name text   NOT NULL,
            grain_hash    bigint NOT NULL,
            start_at      bigint NOT NULL,
            period        bigint NOT NULL,
            etag          text   NOT NULL,
            CONSTRAINT reminders_pkey PRIMARY KEY (service_id, grain_id, reminder_name)
        );

        CREATE INDEX reminders_hash_idx ON reminders (service_id, grain_hash);
        """,

        // 4: devices' unconfirmed delivery positions (PostgresDevicePositionStore), written in
        // batches by the gateways instead of through each DeviceGrain's state.
        """
        CREATE TABLE device_positions (
            device_key text   NOT NULL,
            chat_id    text   NOT NULL,
            seq        bigint NOT NULL,
            CONSTRAINT device_positions_pkey PRIMARY KEY (device_key, chat_id)
        );
        """,

        // 5: grain state of our own store (PostgresGrainStorage), like the SQLite store's table:
        // a row per service, provider, state name, grain type and the grain's whole key as text,
        // a random ETag, the payload in Orleans' binary serialization. Copies what the AdoNet
        // provider stored through the wrapper of earlier builds (state name "{provider}/{state}",
        // string key "{grain type}/{key}", both split at the first '/' as GrainId.Parse does; the
        // version becomes the ETag), so a deployment keeps its users, chats and stream
        // subscriptions. A cleared state was a row with no payload there and is no row here.
        // The old tables are dropped in the same transaction: nothing reads them any more, and a
        // build that did refuses a database of this version anyway. A stored row of another shape
        // (none was ever written) fails the migration rather than vanish with the table.
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM orleansstorage
                       WHERE payloadbinary IS NOT NULL
                         AND (strpos(graintypestring, '/') <= 1 OR coalesce(strpos(grainidextensionstring, '/'), 0) <= 1)) THEN
                RAISE EXCEPTION 'orleansstorage holds grain state not written by ChatOrleans: move or delete it, then start again';
            END IF;
        END
        $$;

        CREATE TABLE grain_state (
            service_id text  NOT NULL,
            provider   text  NOT NULL,
            state_name text  NOT NULL,
            grain_type text  NOT NULL,
            grain_key  text  NOT NULL,
            etag       text  NOT NULL,
            data       bytea NOT NULL,
            CONSTRAINT grain_state_pkey PRIMARY KEY (service_id, provider, state_name, grain_type, grain_key)
        );

        INSERT INTO grain_state (service_id, provider, state_name, grain_type, grain_key, etag, data)
        SELECT serviceid,
               substr(graintypestring, 1, strpos(graintypestring, '/') - 1),
               substr(graintypestring, strpos(graintypestring, '/') + 1),
               substr(grainidextensionstring, 1, strpos(grainidextensionstring, '/') - 1),
               substr(grainidextensionstring, strpos(grainidextensionstring, '/') + 1),
               version::text,
               payloadbinary
        FROM orleansstorage
        WHERE payloadbinary IS NOT NULL;

        DROP TABLE orleansstorage;
        DROP TABLE orleansquery;
        """,
    ];

    // Part of migration 2: never edit.
    private const string GrainMatch =
        """
        grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
                  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
                  AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
                  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
        """;
}
