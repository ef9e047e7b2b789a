using System.Diagnostics;
using ChatOrleans.Grains.Storage;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The sends of one chat waiting for the log, and the last seq written. One loop writes them in
/// batches: sends that queue up while a write is in flight go together in the next one (one
/// durable write for many sends, at most <c>Chat:MaxWriteBatch</c>). A send is acked (its task
/// completes) only once its batch is stored; then <c>written</c> runs for the batch, and the next
/// batch waits for it, so what it publishes follows the seq order.
/// </summary>
/// <remarks>
/// Not thread-safe: it runs on its chat grain's scheduler, one turn at a time. The log refusing a
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
    private readonly List<PendingSend> _queue = [];
    private readonly Dictionary<ClientMessageKey, PendingSend> _pendingByKey = [];
    private bool _writing;

    /// <summary>The highest seq this writer knows stored: from the log at <see cref="LoadAsync"/>, then from each write.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Sends queued or being written.</summary>
    public int Pending => _pendingByKey.Count;

    /// <summary>Continues from what the log holds (after a crash, a move or a double activation).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default) =>
        LastSeq = await log.GetLastSeqAsync(chatId, cancellationToken);

    /// <summary>The outcome of the queued or in-flight send with this key, or null when there is none.</summary>
    public Task<ChatMessage>? InFlight(ClientMessageKey key) =>
        _pendingByKey.TryGetValue(key, out var pending) ? pending.Completion.Task : null;

    /// <summary>
    /// Queues a checked send; completes with the stored message once it is durable. The caller has
    /// made sure no send with this key is in flight.
    /// </summary>
    public Task<ChatMessage> Enqueue(SendMessageCommand command, ClientMessageKey key, IReadOnlyList<string> mentions)
    {
        var pending = new PendingSend(command, key, mentions);
        _queue.Add(pending);
        _pendingByKey[key] = pending;
        if (!_writing)
        {
            _writing = true;
            _ = WriteLoop();
        }

        return pending.Completion.Task;
    }

    private async Task WriteLoop()
    {
        try
        {
            while (_queue.Count > 0)
            {
                var batch = _queue.Take(maxBatch).ToList();
                _queue.RemoveRange(0, batch.Count);
                if (await WriteBatch(batch) is { } stored)
                {
                    await written(stored);
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }

    /// <summary>Writes one batch and acks its sends; returns what it stored, or null when it stored nothing.</summary>
    private async Task<List<ChatMessage>?> WriteBatch(List<PendingSend> batch)
    {
        List<ChatMessage> stored;
        try
        {
            stored = await AppendWithRetries(batch);
        }
        catch (Exception ex)
        {
            LogWriteFailed(chatId, batch.Count, ex);
            var error = ex is ChatException ? ex : new ChatException(ErrorCodes.Unavailable, "The message could not be stored; send it again.");
            foreach (var send in batch)
            {
                _pendingByKey.Remove(send.Key);
                send.Completion.TrySetException(error);
            }

            return null;
        }

        for (var i = 0; i < stored.Count; i++)
        {
            Complete(batch[i], stored[i]);
        }

        return stored.Count > 0 ? stored : null;
    }

    /// <summary>
    /// Appends the batch at the next seqs. On a conflict the sends the log already holds are
    /// answered and leave <paramref name="batch"/>; what is returned matches what is left, in order.
    /// </summary>
    private async Task<List<ChatMessage>> AppendWithRetries(List<PendingSend> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            var messages = NewMessages(batch);
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
                await AnswerStored(batch, attempt, ex);
                if (batch.Count == 0)
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
    private async Task AnswerStored(List<PendingSend> batch, int attempt, SeqConflictException conflict)
    {
        var seqBefore = LastSeq;
        LastSeq = await log.GetLastSeqAsync(chatId);
        var stored = await log.FindByClientMsgIdsAsync(chatId, batch.Select(b => b.Key).ToList());
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
            var send = batch.First(b => b.Key == key);
            batch.Remove(send);
            Complete(send, message);
        }
    }

    private List<ChatMessage> NewMessages(List<PendingSend> batch)
    {
        var now = time.GetUtcNow();
        var messages = new List<ChatMessage>(batch.Count);
        var seq = LastSeq;
        foreach (var send in batch)
        {
            var c = send.Command;
            messages.Add(new ChatMessage(
                ChatIds.NewMessageId(), chatId, ++seq, c.SenderId, c.SenderDeviceId, c.ClientMsgId,
                c.Text, send.Mentions, DistinctMedia(c.MediaIds), c.ParentMessageId, now));
        }

        return messages;
    }

    private static IReadOnlyList<string> DistinctMedia(IReadOnlyList<string> mediaIds) =>
        mediaIds.Count <= 1 ? mediaIds : mediaIds.Distinct(StringComparer.Ordinal).ToList();

    private void Complete(PendingSend send, ChatMessage message)
    {
        _pendingByKey.Remove(send.Key);
        recent.Remember(send.Key, message);
        send.Completion.TrySetResult(message);
    }

    private sealed class PendingSend(SendMessageCommand command, ClientMessageKey key, IReadOnlyList<string> mentions)
    {
        public SendMessageCommand Command { get; } = command;

        public ClientMessageKey Key { get; } = key;

        public IReadOnlyList<string> Mentions { get; } = mentions;

        public TaskCompletionSource<ChatMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
