using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ChatOrleans.Grains.Storage.Sqlite;

/// <summary>
/// <see cref="IMessageLog"/> on the embedded SQLite file. The table's PRIMARY KEY
/// <c>(chat_id, seq)</c> and UNIQUE <c>(chat_id, sender_id, client_msg_id)</c> are what make a
/// second writer's append fail instead of forking the chat's order or duplicating a send.
/// </summary>
/// <remarks>
/// Times are stored as UTC ticks: they come back exactly (to 100 ns) as the same instant, with a
/// zero offset.
/// </remarks>
public sealed class SqliteMessageLog(SqliteDatabase database) : IMessageLog
{
    private const string Columns = MessageRows.Columns;

    private const string EmptyList = "[]";

    public Task<long> GetLastSeqAsync(string chatId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = SqliteDatabase.Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE chat_id = $chat;");
                command.Parameters.AddWithValue("$chat", chatId);
                return (long)command.ExecuteScalar()!;
            },
            cancellationToken);

    public Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        MessageRows.ThrowIfOtherChat(chatId, messages);
        return database.WriteAsync(transaction => Insert(transaction, chatId, messages), cancellationToken);
    }

    /// <summary>One append's rows, in the write transaction; a taken seq or client_msg_id fails the whole append.</summary>
    private static bool Insert(SqliteTransaction transaction, string chatId, IReadOnlyList<ChatMessage> messages)
    {
        using var insert = SqliteDatabase.Command(
            transaction,
            $"""
            INSERT INTO messages ({Columns})
            VALUES ($id, $chat, $seq, $sender, $device, $client, $text, $mentions, $media, $parent, $created, NULL);
            """);
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        insert.Parameters.AddWithValue("$chat", chatId);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var sender = insert.Parameters.Add("$sender", SqliteType.Text);
        var device = insert.Parameters.Add("$device", SqliteType.Text);
        var client = insert.Parameters.Add("$client", SqliteType.Text);
        var text = insert.Parameters.Add("$text", SqliteType.Text);
        var mentions = insert.Parameters.Add("$mentions", SqliteType.Text);
        var media = insert.Parameters.Add("$media", SqliteType.Text);
        var parent = insert.Parameters.Add("$parent", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);

        foreach (var message in messages)
        {
            id.Value = message.MessageId;
            seq.Value = message.Seq;
            sender.Value = message.SenderId;
            device.Value = message.SenderDeviceId;
            client.Value = message.ClientMsgId;
            text.Value = (object?)message.Text ?? DBNull.Value;
            mentions.Value = ToJson(message.Mentions);
            media.Value = ToJson(message.MediaIds);
            parent.Value = (object?)message.ParentMessageId ?? DBNull.Value;
            created.Value = ToStored(message.CreatedAt);
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException exception) when (SqliteDatabase.IsUniqueViolation(exception))
            {
                // Thrown out of the write: the database rolls back this whole append.
                throw new SeqConflictException(chatId, exception);
            }
        }

        return true;
    }

    public Task<IReadOnlyList<ChatMessage>> FindByClientMsgIdsAsync(
        string chatId, IReadOnlyCollection<ClientMessageKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ChatMessage>>([]);
        }

        return database.ReadAsync<IReadOnlyList<ChatMessage>>(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    $"SELECT {Columns} FROM messages WHERE chat_id = $chat AND sender_id = $sender AND client_msg_id = $client;");
                command.Parameters.AddWithValue("$chat", chatId);
                var sender = command.Parameters.Add("$sender", SqliteType.Text);
                var client = command.Parameters.Add("$client", SqliteType.Text);

                var found = new List<ChatMessage>(keys.Count);
                foreach (var key in keys.Distinct())
                {
                    sender.Value = key.SenderId;
                    client.Value = key.ClientMsgId;
                    using var reader = command.ExecuteReader();
                    if (reader.Read())
                    {
                        found.Add(ReadMessage(reader));
                    }
                }

                return found;
            },
            cancellationToken);
    }

    public Task<StoredMessage?> GetAsync(string chatId, string messageId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    $"SELECT {Columns} FROM messages WHERE chat_id = $chat AND message_id = $id;");
                command.Parameters.AddWithValue("$chat", chatId);
                command.Parameters.AddWithValue("$id", messageId);
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    return null;
                }

                return MessageRows.ReadStored(reader, ReadList);
            },
            cancellationToken);

    public Task<IReadOnlyList<ChatMessage>> ReadAsync(string chatId, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            return Task.FromResult<IReadOnlyList<ChatMessage>>([]);
        }

        // With after_seq: the first page above it (bounded by before_seq too when given).
        // Otherwise: the latest page below before_seq, or the latest overall, read newest first.
        // Only the bounds given go into the SQL, so SQLite walks the primary key as a range.
        var ascending = query.AfterSeq is not null;
        var sql =
            $"""
            SELECT {Columns} FROM messages
            WHERE chat_id = $chat AND deleted_at IS NULL
            {(query.AfterSeq is null ? "" : "AND seq > $after")}
            {(query.BeforeSeq is null ? "" : "AND seq < $before")}
            ORDER BY seq {(ascending ? "ASC" : "DESC")}
            LIMIT $limit;
            """;

        return database.ReadAsync<IReadOnlyList<ChatMessage>>(
            connection =>
            {
                using var command = SqliteDatabase.Command(connection, sql);
                command.Parameters.AddWithValue("$chat", chatId);
                if (query.AfterSeq is { } after)
                {
                    command.Parameters.AddWithValue("$after", after);
                }

                if (query.BeforeSeq is { } before)
                {
                    command.Parameters.AddWithValue("$before", before);
                }

                command.Parameters.AddWithValue("$limit", query.Limit);
                return ReadAll(command, reverse: !ascending);
            },
            cancellationToken);
    }

    public Task<bool> MarkDeletedAsync(string chatId, string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            transaction =>
            {
                // The content goes; ids, seq, sender and client_msg_id stay for order and dedupe.
                using var command = SqliteDatabase.Command(
                    transaction,
                    """
                    UPDATE messages
                    SET deleted_at = $deleted, text = NULL, mentions = '[]', media_ids = '[]'
                    WHERE chat_id = $chat AND message_id = $id AND deleted_at IS NULL;
                    """);
                command.Parameters.AddWithValue("$deleted", ToStored(deletedAt));
                command.Parameters.AddWithValue("$chat", chatId);
                command.Parameters.AddWithValue("$id", messageId);
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken);

    public Task<IReadOnlyList<DeletedMessage>> GetDeletedSinceAsync(
        string chatId, DateTimeOffset since, long upToSeq, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<DeletedMessage>>(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    """
                    SELECT message_id, seq, deleted_at FROM messages
                    WHERE chat_id = $chat AND deleted_at IS NOT NULL AND deleted_at >= $since AND seq <= $upTo
                    ORDER BY seq;
                    """);
                command.Parameters.AddWithValue("$chat", chatId);
                command.Parameters.AddWithValue("$since", ToStored(since));
                command.Parameters.AddWithValue("$upTo", upToSeq);
                using var reader = command.ExecuteReader();
                var deleted = new List<DeletedMessage>();
                while (reader.Read())
                {
                    deleted.Add(new DeletedMessage(chatId, reader.GetString(0), reader.GetInt64(1), FromStored(reader.GetInt64(2))));
                }

                return deleted;
            },
            cancellationToken);

    public Task<DateTimeOffset?> GetLastDeletedAtAsync(string chatId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    "SELECT MAX(deleted_at) FROM messages WHERE chat_id = $chat AND deleted_at IS NOT NULL;");
                command.Parameters.AddWithValue("$chat", chatId);
                return command.ExecuteScalar() is long ticks ? FromStored(ticks) : (DateTimeOffset?)null;
            },
            cancellationToken);

    public Task<int> CountUnreadAsync(string chatId, long afterSeq, long upToSeq, string userId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(
            connection =>
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    """
                    SELECT COUNT(*) FROM messages
                    WHERE chat_id = $chat AND seq > $after AND seq <= $upTo AND deleted_at IS NULL AND sender_id <> $user;
                    """);
                command.Parameters.AddWithValue("$chat", chatId);
                command.Parameters.AddWithValue("$after", afterSeq);
                command.Parameters.AddWithValue("$upTo", upToSeq);
                command.Parameters.AddWithValue("$user", userId);
                return checked((int)(long)command.ExecuteScalar()!);
            },
            cancellationToken);

    private static List<ChatMessage> ReadAll(SqliteCommand command, bool reverse)
    {
        using var reader = command.ExecuteReader();
        var messages = new List<ChatMessage>();
        while (reader.Read())
        {
            messages.Add(ReadMessage(reader));
        }

        if (reverse)
        {
            messages.Reverse();
        }

        return messages;
    }

    private static ChatMessage ReadMessage(SqliteDataReader reader) => MessageRows.Read(reader, ReadList);

    private static string[] ReadList(DbDataReader reader, int column) => FromJson(reader.GetString(column));

    private static string ToJson(IReadOnlyList<string>? values) =>
        values is null || values.Count == 0 ? EmptyList : JsonSerializer.Serialize(values);

    private static string[] FromJson(string json) =>
        json == EmptyList ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];

    private static long ToStored(DateTimeOffset value) => MessageRows.ToStored(value);

    private static DateTimeOffset FromStored(long ticks) => MessageRows.FromStored(ticks);
}
