using System.Runtime.ExceptionServices;
using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The send path: membership, dedupe (a retry gets the original), references and mentions are
/// checked here; <see cref="ChatLogWriter"/> then writes the send to the log in a batch, and
/// <see cref="OnBatchWritten"/> publishes one event per batch after the acks.
/// </summary>
public sealed partial class ChatGrain
{
    private readonly Dictionary<string, string?> _userIdsByName = new(StringComparer.Ordinal);
    private ChatMessage? _lastMessage;
    private bool _lastMessageKnown;

    public async Task<ChatMessage> Send(SendMessageCommand command) => await await Admit(command);

    public async Task<IReadOnlyList<SendOutcome>> SendInOrder(IReadOnlyList<SendMessageCommand> commands)
    {
        // Each send is admitted (checked and queued for the log) before the next one is looked
        // at, so the seqs follow the given order even when one check waits (media, a parent, a
        // mention). Sends admitted without waiting, the common case, are queued in this one turn
        // and go to the log in one write.
        var admitted = new Task<ChatMessage>[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            try
            {
                admitted[i] = await Admit(commands[i]);
            }
            catch (Exception ex)
            {
                admitted[i] = Task.FromException<ChatMessage>(ex);
            }
        }

        var outcomes = new SendOutcome[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            outcomes[i] = await Outcome(admitted[i]);
        }

        return outcomes;
    }

    private async Task<SendOutcome> Outcome(Task<ChatMessage> send)
    {
        try
        {
            return SendOutcome.Stored(await send);
        }
        catch (ChatException ex)
        {
            return SendOutcome.Refused(ex.Code, ex.Message);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return SendOutcome.Refused(ErrorCodes.Unavailable, "The service is briefly unavailable; try again.");
        }
        catch (Exception ex)
        {
            LogSendFailed(ChatId, ex);
            return SendOutcome.Refused(ErrorCodes.Internal, "Something went wrong on the server.");
        }
    }

    /// <summary>
    /// Checks one send and queues it for the log; the returned task is its outcome. Completes
    /// without waiting unless a check must ask elsewhere (media, a parent message, an unknown
    /// mention, the log for a refused retry). Refusals throw.
    /// </summary>
    private async ValueTask<Task<ChatMessage>> Admit(SendMessageCommand command)
    {
        EnsureMember(command.SenderId);
        var key = new ClientMessageKey(command.SenderId, command.ClientMsgId);
        if (Answered(key) is { } answered)
        {
            return answered;
        }

        try
        {
            if (command.Refusal is { } refusal)
            {
                throw new ChatException(refusal.Code, refusal.Message);
            }

            await CheckReferences(command);
        }
        catch (ChatException)
        {
            // A retry of a stored message gets the original, even if its content no longer passes
            // a check (here or at the edge): the one place this rule is kept.
            var original = await FindStored(key);
            if (original is null)
            {
                throw;
            }

            return Task.FromResult(original);
        }

        var mentions = await ResolveMentions(command.Text);

        // Checked again: the awaits above let other sends in, and one may carry the same key.
        if (Answered(key) is { } again)
        {
            return again;
        }

        EnsureMember(command.SenderId);
        return _writer.Enqueue(command, key, mentions);
    }

    /// <summary>The message stored under this key, deleted or not, or null.</summary>
    private async Task<ChatMessage?> FindStored(ClientMessageKey key)
    {
        if (_recent.TryGet(key, out var known))
        {
            return known;
        }

        var stored = await _log.FindByClientMsgIdsAsync(ChatId, [key]);
        return stored.Count > 0 ? stored[0] : null;
    }

    /// <summary>What this activation answers for a key without the log: a message it wrote recently, or one being written.</summary>
    private Task<ChatMessage>? Answered(ClientMessageKey key) =>
        _recent.TryGet(key, out var known) ? Task.FromResult(known) : _writer.InFlight(key);

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

    /// <summary>After each stored batch, its sends acked: the batch's one event, alerts and the senders' read moves.</summary>
    private async Task OnBatchWritten(IReadOnlyList<ChatMessage> written)
    {
        _unread.NoteWritten(written);
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
            var unread = await Count(userId, seq);
            await UserRefs[userId].MarkReadBySend(unread);
        }
        catch (Exception ex)
        {
            LogReadMoveFailed(ChatId, userId, ex);
        }
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
}
