using System.Diagnostics;
using System.Runtime.ExceptionServices;
using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The write path: sends queue up, one loop writes them to the log in batches (one durable
/// write for many sends), and only then acks them and publishes one event per batch.
/// </summary>
public sealed partial class ChatGrain
{
    private const int MaxWriteAttempts = 5;

    private readonly List<PendingSend> _queue = [];
    private readonly Dictionary<ClientMessageKey, PendingSend> _pendingByKey = [];
    private readonly Dictionary<string, string?> _userIdsByName = new(StringComparer.Ordinal);
    private ChatMessage? _lastMessage;
    private bool _lastMessageKnown;
    private bool _writing;

    public async Task<ChatMessage> Send(SendMessageCommand command)
    {
        EnsureMember(command.SenderId);
        var key = new ClientMessageKey(command.SenderId, command.ClientMsgId);
        if (_recent.TryGet(key, out var known))
        {
            return known;
        }

        if (_pendingByKey.TryGetValue(key, out var inFlight))
        {
            return await inFlight.Completion.Task;
        }

        try
        {
            await CheckReferences(command);
        }
        catch (ChatException)
        {
            // A retry of a stored message gets the original, even if its references no longer pass.
            var original = await FindSent(command.SenderId, command.ClientMsgId);
            if (original is null)
            {
                throw;
            }

            return original;
        }

        var mentions = await ResolveMentions(command.Text);

        // Checked again: the awaits above let other sends in, and one may carry the same key.
        if (_recent.TryGet(key, out known))
        {
            return known;
        }

        if (_pendingByKey.TryGetValue(key, out inFlight))
        {
            return await inFlight.Completion.Task;
        }

        EnsureMember(command.SenderId);
        var pending = new PendingSend(command, key, mentions);
        _queue.Add(pending);
        _pendingByKey[key] = pending;
        if (!_writing)
        {
            _writing = true;
            _ = WriteLoop();
        }

        return await pending.Completion.Task;
    }

    public async Task<ChatMessage?> FindSent(string senderId, string clientMsgId)
    {
        EnsureMember(senderId);
        var key = new ClientMessageKey(senderId, clientMsgId);
        if (_recent.TryGet(key, out var known))
        {
            return known;
        }

        var stored = await _log.FindByClientMsgIdsAsync(ChatId, [key]);
        return stored.Count > 0 ? stored[0] : null;
    }

    private async Task CheckReferences(SendMessageCommand command)
    {
        if (command.MediaIds.Count > 0)
        {
            await AttachMedia(command.SenderId, command.MediaIds);
        }

        if (command.ParentMessageId is { } parentId)
        {
            var parent = await _log.GetAsync(ChatId, parentId);
            if (parent is null || parent.DeletedAt is not null)
            {
                throw ChatException.BadRequest("parent_message_id is not a message of this chat.");
            }
        }
    }

    /// <summary>
    /// Each media must be the sender's own and ready. Attaching records this chat on the media,
    /// which lets its members read it and keeps the sweeper away. The first refusal in the
    /// order of the ids answers the send.
    /// </summary>
    private async Task AttachMedia(string senderId, IReadOnlyList<string> mediaIds)
    {
        var attaching = mediaIds.Distinct(StringComparer.Ordinal)
            .Select(id => MediaIds.IsValid(id)
                ? GrainFactory.GetGrain<IMediaGrain>(id).Attach(senderId, ChatId)
                : Task.FromException<MediaInfo>(ChatException.NotFound("Unknown media id.")))
            .ToList();
        try
        {
            await Task.WhenAll(attaching);
        }
        catch
        {
            foreach (var task in attaching)
            {
                if (task.IsFaulted)
                {
                    ExceptionDispatchInfo.Throw(task.Exception!.InnerException!);
                }
            }

            throw;
        }
    }

    private async Task WriteLoop()
    {
        try
        {
            while (_queue.Count > 0)
            {
                var batch = _queue.Take(_options.MaxWriteBatch).ToList();
                _queue.RemoveRange(0, batch.Count);
                await WriteBatch(batch);
            }
        }
        finally
        {
            _writing = false;
        }
    }

    private async Task WriteBatch(List<PendingSend> batch)
    {
        List<ChatMessage> written = [];
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var now = _time.GetUtcNow();
                var messages = new List<ChatMessage>(batch.Count);
                var seq = _lastSeq;
                foreach (var send in batch)
                {
                    var c = send.Command;
                    messages.Add(new ChatMessage(
                        ChatIds.NewMessageId(), ChatId, ++seq, c.SenderId, c.SenderDeviceId, c.ClientMsgId,
                        c.Text, send.Mentions, DistinctMedia(c.MediaIds), c.ParentMessageId, now));
                }

                try
                {
                    var started = Stopwatch.GetTimestamp();
                    await _log.AppendAsync(ChatId, messages);
                    _metrics.Appended(Stopwatch.GetElapsedTime(started), messages.Count);
                    _lastSeq = seq;
                    written = messages;
                    _unread.NoteWritten(messages);
                    break;
                }
                catch (SeqConflictException ex) when (attempt < MaxWriteAttempts)
                {
                    // Another writer took a seq, or a retry's client_msg_id is already stored:
                    // reload from the log, answer the stored ones, and try again with the rest.
                    var seqBefore = _lastSeq;
                    _lastSeq = await _log.GetLastSeqAsync(ChatId);
                    var stored = await _log.FindByClientMsgIdsAsync(ChatId, batch.Select(b => b.Key).ToList());
                    if (_lastSeq != seqBefore || stored.Count == 0)
                    {
                        // Seqs this activation did not write: another writer (a double activation).
                        LogWriteConflict(ChatId, attempt, ex);
                    }
                    else
                    {
                        // A retry of a message stored before this activation (after a restart, the
                        // dedupe cache is empty): the idempotent path, not a fault.
                        LogRetryAnswered(ChatId, stored.Count);
                    }

                    foreach (var message in stored)
                    {
                        var key = new ClientMessageKey(message.SenderId, message.ClientMsgId);
                        var send = batch.First(b => b.Key == key);
                        batch.Remove(send);
                        Complete(send, message);
                    }

                    if (batch.Count == 0)
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            LogWriteFailed(ChatId, batch.Count, ex);
            var error = ex is ChatException ? ex : new ChatException(ErrorCodes.Unavailable, "The message could not be stored; send it again.");
            foreach (var send in batch)
            {
                _pendingByKey.Remove(send.Key);
                send.Completion.TrySetException(error);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            Complete(batch[i], written[i]);
        }

        _lastMessage = written[^1];
        _lastMessageKnown = true;
        // Sending moves the sender's read position: the receipt rides on the event, and the
        // sender's UserGrain is told without waiting (the ack and fan-out never wait on it).
        var senderReads = written.GroupBy(m => m.SenderId).Select(g => new MemberRead(g.Key, g.Last().Seq)).ToList();
        await Publish(new MessagesPosted(ChatId, written, ReceiptsApply ? senderReads : []));
        StartAlerts(written);
        foreach (var read in senderReads)
        {
            _ = MoveSenderReadPosition(read.UserId, read.LastReadSeq);
        }
    }

    private async Task MoveSenderReadPosition(string userId, long seq)
    {
        try
        {
            await UserRefs[userId].MarkReadBySend(ChatId, seq);
        }
        catch (Exception ex)
        {
            LogReadMoveFailed(ChatId, userId, ex);
        }
    }

    private static IReadOnlyList<string> DistinctMedia(IReadOnlyList<string> mediaIds) =>
        mediaIds.Count <= 1 ? mediaIds : mediaIds.Distinct(StringComparer.Ordinal).ToList();

    private void Complete(PendingSend send, ChatMessage message)
    {
        _pendingByKey.Remove(send.Key);
        _recent.Remember(send.Key, message);
        send.Completion.TrySetResult(message);
    }

    private void ForgetDeleted(ChatMessage message)
    {
        _recent.ForgetContent(message);
        if (_lastMessage?.MessageId == message.MessageId)
        {
            _lastMessageKnown = false;
        }
    }

    private async Task<ChatMessage?> GetLastMessage()
    {
        if (!_lastMessageKnown)
        {
            var latest = await _log.ReadAsync(ChatId, new HistoryQuery(null, null, 1));
            _lastMessage = latest.Count > 0 ? latest[0] : null;
            _lastMessageKnown = true;
        }

        return _lastMessage;
    }

    private async Task<IReadOnlyList<string>> ResolveMentions(string? text)
    {
        var names = MentionParser.FindUsernames(text, _options.MaxMentions);
        if (names.Count == 0)
        {
            return [];
        }

        var mentioned = new List<string>(names.Count);
        foreach (var name in names)
        {
            if (!_userIdsByName.TryGetValue(name, out var userId))
            {
                // Usernames never change owner, so a resolved name can be remembered.
                var credentials = await GrainFactory.GetGrain<IUsernameGrain>(name).GetCredentials();
                userId = credentials?.UserId;
                if (userId is not null)
                {
                    _userIdsByName[name] = userId;
                }
            }

            if (userId is not null && _members.Contains(userId) && !mentioned.Contains(userId))
            {
                mentioned.Add(userId);
            }
        }

        return mentioned;
    }

    private sealed class PendingSend(SendMessageCommand command, ClientMessageKey key, IReadOnlyList<string> mentions)
    {
        public SendMessageCommand Command { get; } = command;

        public ClientMessageKey Key { get; } = key;

        public IReadOnlyList<string> Mentions { get; } = mentions;

        public TaskCompletionSource<ChatMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
