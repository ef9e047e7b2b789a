using ChatOrleans.Grains.Batching;
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
/// append that arrives meanwhile joins the next one (<see cref="GroupCommitter{TItem, TResult}"/>). A batch is one implicit transaction, so when
/// one chat's rows conflict (another activation took the seq, or a retried send is already stored)
/// the whole batch rolls back, and its appends are written again one by one: only that chat's
/// append fails with <see cref="SeqConflictException"/>. Nothing completes before its COMMIT.
/// </remarks>
internal sealed class PostgresAppendBatcher : IAsyncDisposable
{
    /// <summary>Writes in flight at once, so one batch's commit overlaps the next one's send.</summary>
    internal const int MaxFlushes = 4;

    /// <summary>Rows per batch at most; a single larger append still goes alone.</summary>
    internal const int MaxRows = 4_000;

    private readonly PostgresDatabase _database;
    private readonly GroupCommitter<PendingAppend, ValueTuple> _queue;

    public PostgresAppendBatcher(PostgresDatabase database)
    {
        _database = database;

        // Off the calling grain's scheduler: the batch serves many chats. Each append holds at
        // least one row, so the row limit bounds the count too.
        _queue = new GroupCommitter<PendingAppend, ValueTuple>(
            WriteAsync,
            new GroupCommitOptions { MaxBatchItems = MaxRows, MaxBatchWeight = MaxRows, MaxConcurrentBatches = MaxFlushes, RunOnThreadPool = true },
            append => append.Messages.Count);
    }

    public Task AppendAsync(string chatId, IReadOnlyList<ChatMessage> messages) =>
        _queue.Enqueue(new PendingAppend(chatId, messages));

    /// <summary>Refuses new appends and waits until the queued ones are stored (or failed).</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    /// <summary>
    /// Writes one batch. Any other failure than a conflict fails the whole batch (the queue hands
    /// the exception to each of its appends).
    /// </summary>
    private async Task WriteAsync(GroupCommitBatch<PendingAppend, ValueTuple> batch)
    {
        if (batch.Count == 1)
        {
            await WriteAloneAsync(batch, 0).ConfigureAwait(false);
            return;
        }

        try
        {
            await using var command = Inserts(batch.Items);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (PostgresDatabase.IsUniqueViolation(ex))
        {
            // Rolled back as a whole: each append again on its own, so only the conflicting one fails.
            await Task.WhenAll(Enumerable.Range(0, batch.Count).Select(i => WriteAloneAsync(batch, i))).ConfigureAwait(false);
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch.Complete(i, default);
        }
    }

    private async Task WriteAloneAsync(GroupCommitBatch<PendingAppend, ValueTuple> batch, int index)
    {
        var append = batch.Items[index];
        try
        {
            await using var command = Inserts([append]);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            batch.Complete(index, default);
        }
        catch (PostgresException ex) when (PostgresDatabase.IsUniqueViolation(ex))
        {
            // The implicit transaction is rolled back: nothing of this append is stored.
            batch.Fail(index, new SeqConflictException(append.ChatId, ex));
        }
        catch (Exception ex)
        {
            batch.Fail(index, ex);
        }
    }

    /// <summary>The appends' INSERTs as one batch: one round trip, one implicit transaction.</summary>
    private NpgsqlBatch Inserts(IEnumerable<PendingAppend> appends)
    {
        var batch = _database.DataSource.CreateBatch();
        foreach (var append in appends)
        {
            foreach (var statement in PostgresMessageLog.InsertStatements(append.ChatId, append.Messages))
            {
                batch.BatchCommands.Add(statement);
            }
        }

        return batch;
    }

    private sealed record PendingAppend(string ChatId, IReadOnlyList<ChatMessage> Messages);
}
