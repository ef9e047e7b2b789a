using Npgsql;

namespace ChatOrleans.Grains.Storage.Postgres;

/// <summary>
/// Group commit across chats: appends that queue up while earlier ones are being written go to
/// PostgreSQL together, one round trip and one commit for many chats.
/// </summary>
/// <remarks>
/// Why: each chat writes its own sends in batches already, but a thousand busy chats each paying a
/// round trip, a pooled connection and a WAL flush per append spent more CPU on waiting for
/// connections than on the rows. Here at most <see cref="MaxFlushes"/> writes are in flight; every
/// append that arrives meanwhile joins the next one. A batch is one implicit transaction, so when
/// one chat's rows conflict (another activation took the seq, or a retried send is already stored)
/// the whole batch rolls back, and its appends are written again one by one: only that chat's
/// append fails with <see cref="SeqConflictException"/>. Nothing completes before its COMMIT.
/// </remarks>
internal sealed class PostgresAppendBatcher(PostgresDatabase database)
{
    /// <summary>Writes in flight at once, so one batch's commit overlaps the next one's send.</summary>
    internal const int MaxFlushes = 4;

    /// <summary>Rows per batch at most; a single larger append still goes alone.</summary>
    internal const int MaxRows = 4_000;

    private readonly Lock _lock = new();
    private readonly Queue<PendingAppend> _queue = new();
    private int _flushing;

    public Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages)
    {
        var pending = new PendingAppend(chatId, messages);
        bool start;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            start = _flushing < MaxFlushes;
            if (start)
            {
                _flushing++;
            }
        }

        if (start)
        {
            _ = Task.Run(FlushLoopAsync);
        }

        return pending.Done.Task;
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            var batch = new List<PendingAppend>();
            var rows = 0;
            lock (_lock)
            {
                while (_queue.TryPeek(out var next) && (batch.Count == 0 || rows + next.Messages.Count <= MaxRows))
                {
                    batch.Add(_queue.Dequeue());
                    rows += next.Messages.Count;
                }

                if (batch.Count == 0)
                {
                    _flushing--;
                    return;
                }
            }

            await WriteAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<PendingAppend> batch)
    {
        if (batch.Count == 1)
        {
            await WriteAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }

        try
        {
            await using var command = Inserts(batch);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (PostgresDatabase.IsUniqueViolation(ex))
        {
            // Rolled back as a whole: each append again on its own, so only the conflicting one fails.
            await Task.WhenAll(batch.Select(WriteAloneAsync)).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            foreach (var append in batch)
            {
                append.Done.TrySetException(ex);
            }

            return;
        }

        foreach (var append in batch)
        {
            append.Done.TrySetResult();
        }
    }

    private async Task WriteAloneAsync(PendingAppend append)
    {
        try
        {
            await using var command = Inserts([append]);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            append.Done.TrySetResult();
        }
        catch (PostgresException ex) when (PostgresDatabase.IsUniqueViolation(ex))
        {
            // The implicit transaction is rolled back: nothing of this append is stored.
            append.Done.TrySetException(new SeqConflictException(append.ChatId, ex));
        }
        catch (Exception ex)
        {
            append.Done.TrySetException(ex);
        }
    }

    /// <summary>The appends' INSERTs as one batch: one round trip, one implicit transaction.</summary>
    private NpgsqlBatch Inserts(IEnumerable<PendingAppend> appends)
    {
        var batch = database.DataSource.CreateBatch();
        foreach (var append in appends)
        {
            foreach (var statement in PostgresMessageLog.InsertStatements(append.ChatId, append.Messages))
            {
                batch.BatchCommands.Add(statement);
            }
        }

        return batch;
    }

    private sealed class PendingAppend(string chatId, IReadOnlyList<ChatMessage> messages)
    {
        public string ChatId { get; } = chatId;

        public IReadOnlyList<ChatMessage> Messages { get; } = messages;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
