using System.Data.Common;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// <see cref="IMessageLog"/> on PostgreSQL, with the same semantics as the SQLite log: the table's
/// PRIMARY KEY <c>(chat_id, seq)</c> and UNIQUE <c>(chat_id, sender_id, client_msg_id)</c> make a
/// second writer's append fail with <see cref="SeqConflictException"/> instead of forking the
/// chat's order or duplicating a send.
/// </summary>
/// <remarks>
/// An append is multi-row INSERTs sent as one batch, which PostgreSQL runs as one implicit
/// transaction, so a unique violation anywhere rolls back the whole append; appends of many chats
/// that queue up meanwhile share a round trip and a commit (<see cref="PostgresAppendBatcher"/>). It completes
/// after COMMIT, which with <c>synchronous_commit=on</c> (see <see cref="PostgresDatabase"/>) means
/// the WAL is on disk. Times are stored as UTC ticks: they come back exactly, with a zero offset.
/// </remarks>
public sealed class PostgresMessageLog(PostgresDatabase database) : IMessageLog, IAsyncDisposable, IDisposable
{
    private readonly PostgresAppendBatcher _appends = new(database);

    /// <summary>At host shutdown, before the database's pool closes: the appends in flight finish first.</summary>
    public ValueTask DisposeAsync() => _appends.DisposeAsync();

    /// <summary>For a container disposed synchronously, as <see cref="PostgresDatabase"/> allows too.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private const string Columns = MessageRows.Columns;

    /// <summary>Rows per INSERT statement: 10 parameters each, well below PostgreSQL's 65,535.</summary>
    internal const int RowsPerStatement = 1000;

    private NpgsqlDataSource DataSource => database.DataSource;

    public async Task<long> GetLastSeqAsync(string chatId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE chat_id = $1;");
        command.Parameters.Add(Text(chatId));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        MessageRows.ThrowIfOtherChat(chatId, messages);
        await _appends.AppendAsync(chatId, messages).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The INSERT statements of one chat's append: <see cref="RowsPerStatement"/> rows each.</summary>
    internal static IEnumerable<NpgsqlBatchCommand> InsertStatements(string chatId, IReadOnlyList<ChatMessage> messages)
    {
        for (var start = 0; start < messages.Count; start += RowsPerStatement)
        {
            yield return InsertStatement(chatId, messages, start, Math.Min(RowsPerStatement, messages.Count - start));
        }
    }

    private static NpgsqlBatchCommand InsertStatement(string chatId, IReadOnlyList<ChatMessage> messages, int start, int count)
    {
        var sql = new StringBuilder($"INSERT INTO messages ({Columns}) VALUES ", 40 + (count * 64));
        var command = new NpgsqlBatchCommand();
        command.Parameters.Add(Text(chatId)); // $1, shared by every row
        for (var i = 0; i < count; i++)
        {
            var message = messages[start + i];
            var p = 2 + (i * 10);
            if (i > 0)
            {
                sql.Append(", ");
            }

            sql.Append($"(${p}, $1, ${p + 1}, ${p + 2}, ${p + 3}, ${p + 4}, ${p + 5}, ${p + 6}, ${p + 7}, ${p + 8}, ${p + 9}, NULL)");
            command.Parameters.Add(Text(message.MessageId));
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = message.Seq });
            command.Parameters.Add(Text(message.SenderId));
            command.Parameters.Add(Text(message.SenderDeviceId));
            command.Parameters.Add(Text(message.ClientMsgId));
            command.Parameters.Add(Text(message.Text));
            command.Parameters.Add(TextArray(message.Mentions));
            command.Parameters.Add(TextArray(message.MediaIds));
            command.Parameters.Add(Text(message.ParentMessageId));
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ToStored(message.CreatedAt) });
        }

        command.CommandText = sql.ToString();
        return command;
    }

    public async Task<IReadOnlyList<ChatMessage>> FindByClientMsgIdsAsync(
        string chatId, IReadOnlyCollection<ClientMessageKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        var distinct = keys.Distinct().ToArray();
        await using var command = DataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM messages
            WHERE chat_id = $1 AND (sender_id, client_msg_id) IN (SELECT * FROM unnest($2::text[], $3::text[]));
            """);
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(TextArray(distinct.Select(k => k.SenderId).ToArray()));
        command.Parameters.Add(TextArray(distinct.Select(k => k.ClientMsgId).ToArray()));
        return await ReadAllAsync(command, reverse: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredMessage?> GetAsync(string chatId, string messageId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand($"SELECT {Columns} FROM messages WHERE chat_id = $1 AND message_id = $2;");
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(Text(messageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return MessageRows.ReadStored(reader, ReadList);
    }

    public async Task<IReadOnlyList<ChatMessage>> ReadAsync(string chatId, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            return [];
        }

        // With after_seq: the first page above it (bounded by before_seq too when given).
        // Otherwise: the latest page below before_seq, or the latest overall, read newest first.
        // Absent bounds are open ones (seqs start at 1), so there are two statements, both a range
        // walk of the primary key.
        var ascending = query.AfterSeq is not null;
        await using var command = DataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM messages
            WHERE chat_id = $1 AND deleted_at IS NULL AND seq > $2 AND seq < $3
            ORDER BY seq {(ascending ? "ASC" : "DESC")}
            LIMIT $4;
            """);
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.AfterSeq ?? 0 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.BeforeSeq ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        return await ReadAllAsync(command, reverse: !ascending, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> MarkDeletedAsync(string chatId, string messageId, DateTimeOffset deletedAt, CancellationToken cancellationToken = default)
    {
        // The content goes; ids, seq, sender and client_msg_id stay for order and dedupe.
        await using var command = DataSource.CreateCommand(
            """
            UPDATE messages
            SET deleted_at = $3, text = NULL, mentions = '{}', media_ids = '{}'
            WHERE chat_id = $1 AND message_id = $2 AND deleted_at IS NULL;
            """);
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(Text(messageId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ToStored(deletedAt) });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<DeletedMessage>> GetDeletedSinceAsync(
        string chatId, DateTimeOffset since, long upToSeq, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            """
            SELECT message_id, seq, deleted_at FROM messages
            WHERE chat_id = $1 AND deleted_at IS NOT NULL AND deleted_at >= $2 AND seq <= $3
            ORDER BY seq;
            """);
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ToStored(since) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var deleted = new List<DeletedMessage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deleted.Add(new DeletedMessage(chatId, reader.GetString(0), reader.GetInt64(1), FromStored(reader.GetInt64(2))));
        }

        return deleted;
    }

    public async Task<DateTimeOffset?> GetLastDeletedAtAsync(string chatId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT MAX(deleted_at) FROM messages WHERE chat_id = $1 AND deleted_at IS NOT NULL;");
        command.Parameters.Add(Text(chatId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks ? FromStored(ticks) : null;
    }

    public async Task<int> CountUnreadAsync(string chatId, long afterSeq, long upToSeq, string userId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            """
            SELECT COUNT(*) FROM messages
            WHERE chat_id = $1 AND seq > $2 AND seq <= $4 AND deleted_at IS NULL AND sender_id <> $3;
            """);
        command.Parameters.Add(Text(chatId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSeq });
        command.Parameters.Add(Text(userId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upToSeq });
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    private static async Task<IReadOnlyList<ChatMessage>> ReadAllAsync(NpgsqlCommand command, bool reverse, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<ChatMessage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(ReadMessage(reader));
        }

        if (reverse)
        {
            messages.Reverse();
        }

        return messages;
    }

    private static ChatMessage ReadMessage(NpgsqlDataReader reader) => MessageRows.Read(reader, ReadList);

    private static string[] ReadList(DbDataReader reader, int column) => reader.GetFieldValue<string[]>(column);

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter TextArray(IReadOnlyList<string>? values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values is null ? Array.Empty<string>() : values.ToArray() };

    private static long ToStored(DateTimeOffset value) => MessageRows.ToStored(value);

    private static DateTimeOffset FromStored(long ticks) => MessageRows.FromStored(ticks);
}
