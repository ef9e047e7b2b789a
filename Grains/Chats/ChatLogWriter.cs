using System.Diagnostics;
using ChatOrleans.Grains.Batching;
using ChatOrleans.Grains.Storage;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The sends of one chat waiting for the log, and the last seq written. One loop writes them in
/// batches (a <see cref="GroupCommitter{TItem, TResult}"/>): sends that queue up while a write
/// is in flight go together in the next one (one durable write for many sends, at most
/// <c>Chat:MaxWriteBatch</c>). A send is acked (its task
/// completes) only once its batch is stored; then <c>written</c> runs for the batch, and the next
/// batch waits for it, so what it publishes follows the seq order.
/// </summary>
/// <remarks>
/// Not thread-safe: it runs on its chat grain's scheduler, one turn at a time (the queue keeps its
/// writes there). The log refusing a
/// seq or a <c>client_msg_id</c> (<see cref="SeqConflictException"/>) is the one error retried: the
/// writer reloads the last seq from the log, answers the sends already stored with what the log
/// holds, and writes the rest again. It never guesses a seq from memory alone.
/// </remarks>
internal sealed partial class ChatLogWriter(
    string chatId,
    IMessageLog log,
    DedupeCache recent,
    int maxBatch,
    TimeProvider time,
    ChatMetrics metrics,
    ILogger logger,
    Func<IReadOnlyList<ChatMessage>, Task> written)
{
    public const int MaxWriteAttempts = 5;

    private readonly ILogger _logger = logger;
    private readonly Dictionary<ClientMessageKey, Task<ChatMessage>> _pendingByKey = [];
    private GroupCommitter<PendingSend, ChatMessage>? _queue;

    /// <summary>The highest seq this writer knows stored: from the log at <see cref="LoadAsync"/>, then from each write.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Sends queued or being written.</summary>
    public int Pending => _pendingByKey.Count;

    /// <summary>Continues from what the log holds (after a crash, a move or a double activation).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default) =>
        LastSeq = await log.GetLastSeqAsync(chatId, cancellationToken);

    /// <summary>The outcome of the queued or in-flight send with this key, or null when there is none.</summary>
    public Task<ChatMessage>? InFlight(ClientMessageKey key) =>
        _pendingByKey.GetValueOrDefault(key);

    /// <summary>
    /// Queues a checked send; completes with the stored message once it is durable. The caller has
    /// made sure no send with this key is in flight.
    /// </summary>
    public Task<ChatMessage> Enqueue(SendMessageCommand command, ClientMessageKey key, IReadOnlyList<string> mentions)
    {
        // On the grain's scheduler: the first send's write starts right after this turn, with
        // whatever else the turn queued (a connection's ordered sends).
        _queue ??= new GroupCommitter<PendingSend, ChatMessage>(WriteBatch, new GroupCommitOptions { MaxBatchItems = maxBatch, YieldBeforeFirstBatch = true });
        var sent = _queue.Enqueue(new PendingSend(command, key, mentions));
        if (!sent.IsCompleted)
        {
            _pendingByKey[key] = sent;
        }

        return sent;
    }

    /// <summary>
    /// Writes one batch and acks its sends, then hands on what it stored; the queue starts the next
    /// batch only after that, so what is published follows the seq order.
    /// </summary>
    private async Task WriteBatch(GroupCommitBatch<PendingSend, ChatMessage> batch)
    {
        var left = Enumerable.Range(0, batch.Count).ToList();
        List<ChatMessage> stored;
        try
        {
            stored = await AppendWithRetries(batch, left);
        }
        catch (Exception ex)
        {
            LogWriteFailed(chatId, left.Count, ex);
            var error = ex is ChatException ? ex : new ChatException(ErrorCodes.Unavailable, "The message could not be stored; send it again.");
            foreach (var i in left)
            {
                _pendingByKey.Remove(batch.Items[i].Key);
                batch.Fail(i, error);
            }

            return;
        }

        for (var i = 0; i < stored.Count; i++)
        {
            Complete(batch, left[i], stored[i]);
        }

        if (stored.Count > 0)
        {
            await written(stored);
        }
    }

    /// <summary>
    /// Appends the batch's sends <paramref name="left"/> (indexes) at the next seqs. On a conflict
    /// the sends the log already holds are answered and leave <paramref name="left"/>; what is
    /// returned matches what is left, in order.
    /// </summary>
    private async Task<List<ChatMessage>> AppendWithRetries(GroupCommitBatch<PendingSend, ChatMessage> batch, List<int> left)
    {
        for (var attempt = 1; ; attempt++)
        {
            var messages = NewMessages(batch, left);
            try
            {
                var started = Stopwatch.GetTimestamp();
                await log.AppendAsync(chatId, messages);
                metrics.Appended(Stopwatch.GetElapsedTime(started), messages.Count);
                LastSeq = messages[^1].Seq;
                return messages;
            }
            catch (SeqConflictException ex) when (attempt < MaxWriteAttempts)
            {
                await AnswerStored(batch, left, attempt, ex);
                if (left.Count == 0)
                {
                    return [];
                }
            }
        }
    }

    /// <summary>
    /// Another writer took a seq, or a retry's <c>client_msg_id</c> is already stored: reload from
    /// the log and answer the stored ones.
    /// </summary>
    private async Task AnswerStored(GroupCommitBatch<PendingSend, ChatMessage> batch, List<int> left, int attempt, SeqConflictException conflict)
    {
        var seqBefore = LastSeq;
        LastSeq = await log.GetLastSeqAsync(chatId);
        var stored = await log.FindByClientMsgIdsAsync(chatId, left.Select(i => batch.Items[i].Key).ToList());
        if (LastSeq != seqBefore || stored.Count == 0)
        {
            // Seqs this activation did not write: another writer (a double activation).
            LogWriteConflict(chatId, attempt, conflict);
        }
        else
        {
            // A retry of a message stored before this activation (after a restart, the dedupe
            // cache is empty): the idempotent path, not a fault.
            LogRetryAnswered(chatId, stored.Count);
        }

        foreach (var message in stored)
        {
            var key = new ClientMessageKey(message.SenderId, message.ClientMsgId);
            var index = left.First(i => batch.Items[i].Key == key);
            left.Remove(index);
            Complete(batch, index, message);
        }
    }

    private List<ChatMessage> NewMessages(GroupCommitBatch<PendingSend, ChatMessage> batch, List<int> left)
    {
        var now = time.GetUtcNow();
        var messages = new List<ChatMessage>(left.Count);
        var seq = LastSeq;
        foreach (var i in left)
        {
            var send = batch.Items[i];
            var c = send.Command;
            messages.Add(new ChatMessage(
                ChatIds.NewMessageId(), chatId, ++seq, c.SenderId, c.SenderDeviceId, c.ClientMsgId,
                c.Text, send.Mentions, DistinctMedia(c.MediaIds), c.ParentMessageId, now));
        }

        return messages;
    }

    private static IReadOnlyList<string> DistinctMedia(IReadOnlyList<string> mediaIds) =>
        mediaIds.Count <= 1 ? mediaIds : mediaIds.Distinct(StringComparer.Ordinal).ToList();

    private void Complete(GroupCommitBatch<PendingSend, ChatMessage> batch, int index, ChatMessage message)
    {
        var key = batch.Items[index].Key;
        _pendingByKey.Remove(key);
        recent.Remember(key, message);
        batch.Complete(index, message);
    }

    private sealed record PendingSend(SendMessageCommand Command, ClientMessageKey Key, IReadOnlyList<string> Mentions);
}
