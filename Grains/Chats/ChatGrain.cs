using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Observability;
using ChatOrleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The single writer of one chat. Reentrant so that sends queueing up while a log write is in
/// flight join the next batch (see ChatGrain.Send.cs); membership changes take
/// <see cref="_stateLock"/> so that they never interleave with each other.
/// </summary>
[Reentrant]
public sealed partial class ChatGrain : Grain, IChatGrain
{
    private readonly IPersistentState<ChatState> _state;
    private readonly IMessageLog _log;
    private readonly ChatOptions _options;
    private readonly TimeProvider _time;
    private readonly ChatMetrics _metrics;
    private readonly ILogger<ChatGrain> _logger;
    private readonly SemaphoreSlim _stateLock = new(1, 1);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private IAsyncStream<ChatEvent> _stream = null!;
    private GrainRefCache<IUserGrain>? _userRefs;
    private GrainRefCache<INotificationInboxGrain>? _inboxRefs;
    private long _lastSeq;
    private DateTimeOffset? _lastDeletedAt;

    public ChatGrain(
        [PersistentState("chat", StorageNames.GrainState)] IPersistentState<ChatState> state,
        IMessageLog log,
        IOptions<ChatOptions> options,
        TimeProvider time,
        ChatMetrics metrics,
        ILogger<ChatGrain> logger)
    {
        _state = state;
        _log = log;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    private string ChatId => this.GetPrimaryKeyString();

    private ChatState State => _state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<ChatEvent>(StreamId.Create(StreamNames.ChatNamespace, ChatId));
        foreach (var member in State.Members)
        {
            _members.Add(member.UserId);
        }

        // The log, not memory, is the source of the order: a new activation (after a crash, a
        // move or a double activation) continues from what is durably stored.
        _lastSeq = await _log.GetLastSeqAsync(ChatId, cancellationToken);
        _lastDeletedAt = await _log.GetLastDeletedAtAsync(ChatId, cancellationToken);
    }

    public async Task<ChatInfo> CreateGroup(string ownerId, string name, IReadOnlyList<string> memberIds)
    {
        try
        {
            return await CreateGroupCore(ownerId, name, memberIds);
        }
        catch (ChatException) when (!State.Created)
        {
            ForgetUncreated();
            throw;
        }
    }

    private async Task<ChatInfo> CreateGroupCore(string ownerId, string name, IReadOnlyList<string> memberIds)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > _options.MaxNameLength)
        {
            throw ChatException.BadRequest($"A group needs a name of 1 to {_options.MaxNameLength} characters.");
        }

        DisplayText.EnsureAllowed(name, "name");
        await _stateLock.WaitAsync();
        try
        {
            if (State.Created)
            {
                throw ChatException.Conflict("This chat already exists.");
            }

            var members = new List<string> { ownerId };
            foreach (var id in memberIds)
            {
                if (!members.Contains(id))
                {
                    members.Add(id);
                }
            }

            EnsureGroupSize(members.Count);
            await EnsureUsersExist(members);

            var now = _time.GetUtcNow();
            State.Created = true;
            State.Kind = ChatKind.Group;
            State.Name = name;
            State.OwnerId = ownerId;
            State.CreatedAt = now;
            State.Members = members.Select(id => new ChatMember(id, now)).ToList();
            await _state.WriteStateAsync();
            _members.UnionWith(members);

            var info = ToInfo();
            await NotifyJoined(members, info, now);
            return info;
        }
        finally
        {
            _stateLock.Release();
        }
    }

    public async Task<DirectChatResult> EnsureDirect(string userA, string userB)
    {
        try
        {
            return await EnsureDirectCore(userA, userB);
        }
        catch (ChatException) when (!State.Created)
        {
            ForgetUncreated();
            throw;
        }
    }

    private async Task<DirectChatResult> EnsureDirectCore(string userA, string userB)
    {
        if (ChatId != ChatIds.DirectChatId(userA, userB))
        {
            throw ChatException.BadRequest("This is not the direct chat of these users.");
        }

        await _stateLock.WaitAsync();
        try
        {
            if (State.Created)
            {
                return new DirectChatResult(ToInfo(), Created: false);
            }

            var members = userA == userB ? new List<string> { userA } : [userA, userB];
            await EnsureUsersExist(members);

            var now = _time.GetUtcNow();
            State.Created = true;
            State.Kind = ChatKind.Direct;
            State.CreatedAt = now;
            State.Members = members.Select(id => new ChatMember(id, now)).ToList();
            await _state.WriteStateAsync();
            _members.UnionWith(members);

            var info = ToInfo();
            await NotifyJoined(members, info, now);
            return new DirectChatResult(info, Created: true);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    public Task<ChatInfo> GetInfo(string requesterId)
    {
        EnsureMember(requesterId);
        return Task.FromResult(ToInfo());
    }

    public Task<bool> IsMember(string userId)
    {
        if (!State.Created)
        {
            ForgetUncreated();
            return Task.FromResult(false);
        }

        return Task.FromResult(_members.Contains(userId));
    }

    public async Task<ChatInfo> AddMembers(string actorId, IReadOnlyList<string> userIds)
    {
        EnsureMember(actorId);
        if (State.Kind == ChatKind.Direct)
        {
            throw ChatException.Forbidden("A direct chat's members cannot change.");
        }

        await _stateLock.WaitAsync();
        try
        {
            var added = userIds.Distinct().Where(id => !_members.Contains(id)).ToList();
            if (added.Count == 0)
            {
                return ToInfo();
            }

            EnsureGroupSize(_members.Count + added.Count);
            await EnsureUsersExist(added);

            var now = _time.GetUtcNow();
            State.Members.AddRange(added.Select(id => new ChatMember(id, now)));
            await _state.WriteStateAsync();
            _members.UnionWith(added);

            var info = ToInfo();
            await NotifyJoined(added, info, now);
            foreach (var id in added)
            {
                await Publish(new MemberAddedEvent(ChatId, id));
            }

            return info;
        }
        finally
        {
            _stateLock.Release();
        }
    }

    public async Task RemoveMember(string actorId, string userId)
    {
        EnsureMember(actorId);
        if (State.Kind == ChatKind.Direct)
        {
            throw ChatException.Forbidden("Nobody leaves a direct chat.");
        }

        if (actorId != userId && actorId != State.OwnerId)
        {
            throw ChatException.Forbidden("Only the owner removes other members.");
        }

        await _stateLock.WaitAsync();
        try
        {
            if (!_members.Contains(userId))
            {
                throw ChatException.NotFound("That user is not a member of this chat.");
            }

            State.Members.RemoveAll(m => m.UserId == userId);
            State.AlertLevels.Remove(userId);
            if (State.OwnerId == userId)
            {
                // Members are kept in join order, ties in the order given at creation.
                State.OwnerId = State.Members.Count > 0 ? State.Members[0].UserId : null;
            }

            await _state.WriteStateAsync();
            _members.Remove(userId);

            // Published before anything else: on the chat's ordered stream it separates what the
            // removed user may still see from what they must not.
            await Publish(new MemberRemovedEvent(ChatId, userId));
            await GrainFactory.GetGrain<IUserGrain>(userId).LeftChat(ChatId);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    public async Task Delete(string actorId, string messageId)
    {
        EnsureMember(actorId);
        var stored = await _log.GetAsync(ChatId, messageId)
            ?? throw ChatException.NotFound("No such message in this chat.");
        if (stored.Message.SenderId != actorId)
        {
            throw ChatException.Forbidden("Only the sender deletes a message.");
        }

        if (stored.DeletedAt is not null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (await _log.MarkDeletedAsync(ChatId, messageId, now))
        {
            _lastDeletedAt = now;
            ForgetDeleted(stored.Message);
            NoteDeletedForUnread(stored.Message.Seq);
            await Publish(new MessageDeletedEvent(ChatId, messageId, stored.Message.Seq));
        }
    }

    public async Task<IReadOnlyList<long>> GetDeletedSeqs(string requesterId, DateTimeOffset since, long upToSeq)
    {
        EnsureMember(requesterId);
        if (_lastDeletedAt is not { } last || last < since)
        {
            // Nothing was deleted since then: answered from memory, the common case.
            return [];
        }

        var deleted = await _log.GetDeletedSinceAsync(ChatId, since, upToSeq);
        return deleted.Select(d => d.Seq).ToList();
    }

    public async Task<IReadOnlyList<ChatMessage>> GetHistory(string requesterId, HistoryQuery query)
    {
        EnsureMember(requesterId);
        return await _log.ReadAsync(ChatId, query);
    }

    public async Task<ChatReplay> GetReplay(string requesterId, long afterSeq, DateTimeOffset? deletedSince, int limit)
    {
        EnsureMember(requesterId);
        limit = Math.Clamp(limit, 1, HistoryQuery.MaxLimit);

        // Taken before the read: everything up to it is in the log, so a caller may treat what
        // the page lacks below it as deleted. Sends that complete during the read come later.
        var lastSeq = _lastSeq;
        IReadOnlyList<ChatMessage> messages = [];
        if (afterSeq < lastSeq)
        {
            messages = await _log.ReadAsync(ChatId, new HistoryQuery(null, afterSeq, limit));
        }

        IReadOnlyList<DeletedMessage> deleted = [];
        if (deletedSince is { } since && _lastDeletedAt >= since)
        {
            deleted = await _log.GetDeletedSinceAsync(ChatId, since, afterSeq);
        }

        return new ChatReplay(messages, deleted, lastSeq, HasMore: messages.Count == limit);
    }

    public Task<long> GetLastSeq(string requesterId)
    {
        EnsureMember(requesterId);
        return Task.FromResult(_lastSeq);
    }

    public async Task<ChatSummary> GetSummary(string userId, long lastReadSeq)
    {
        var info = await GetInfo(userId);
        // The sender's grain hears of a send's read move after the ack (a one-way call, off the
        // send's path): until then its position may lag the sender's own latest message.
        var readSeq = Math.Max(lastReadSeq, LatestSentBy(userId, lastReadSeq));
        var unread = await CountUnread(userId, readSeq);
        var last = await GetLastMessage();
        return new ChatSummary(info, unread, last, readSeq);
    }

    public Task Typing(string userId, bool started)
    {
        EnsureMember(userId);
        return Publish(new TypingEvent(ChatId, userId, started));
    }

    public Task ReadMoved(string userId, long lastReadSeq)
    {
        if (!State.Created)
        {
            ForgetUncreated();
            return Task.CompletedTask;
        }

        if (!_members.Contains(userId))
        {
            return Task.CompletedTask;
        }

        return ReceiptsApply ? Publish(new ReceiptEvent(ChatId, userId, lastReadSeq)) : Task.CompletedTask;
    }

    private GrainRefCache<IUserGrain> UserRefs => _userRefs ??= new(GrainFactory, capacity: 100_000);

    private GrainRefCache<INotificationInboxGrain> InboxRefs => _inboxRefs ??= new(GrainFactory, capacity: 100_000);

    private bool ReceiptsApply => State.Kind == ChatKind.Direct || _members.Count <= _options.MaxReceiptGroupSize;

    private ChatInfo ToInfo() => new(
        ChatId,
        State.Kind,
        State.Kind == ChatKind.Group ? State.Name : null,
        State.Kind == ChatKind.Group ? State.OwnerId : null,
        State.Members.Take(1_000).Select(m => m.UserId).ToList(),
        State.Members.Count,
        _lastSeq,
        State.CreatedAt);

    private void EnsureMember(string userId)
    {
        if (!State.Created)
        {
            ForgetUncreated();
            throw ChatException.NotFound("No such chat.");
        }

        if (!_members.Contains(userId))
        {
            throw ChatException.Forbidden("You are not a member of this chat.");
        }
    }

    private void EnsureGroupSize(int count)
    {
        if (count > _options.MaxGroupMembers)
        {
            throw ChatException.BadRequest($"A group holds at most {_options.MaxGroupMembers} members.");
        }
    }

    /// <summary>
    /// An activation for an id that holds no chat (an unknown id, a refused creation) leaves memory
    /// as soon as its calls are done, so ids nobody created cost nothing for long.
    /// </summary>
    private void ForgetUncreated() => DeactivateOnIdle();

    private async Task EnsureUsersExist(IReadOnlyList<string> userIds)
    {
        // An id of a shape this server never makes is unknown without asking a grain: each grain
        // asked is an activation (one that finds no user leaves at once, see UserGrain.GetProfile).
        foreach (var id in userIds)
        {
            if (!ChatIds.IsUserId(id))
            {
                throw ChatException.NotFound($"No such user: {id}.");
            }
        }

        var profiles = await Task.WhenAll(userIds.Select(id => GrainFactory.GetGrain<IUserGrain>(id).GetProfile()));
        for (var i = 0; i < userIds.Count; i++)
        {
            if (profiles[i] is null)
            {
                throw ChatException.NotFound($"No such user: {userIds[i]}.");
            }
        }
    }

    private async Task NotifyJoined(IReadOnlyList<string> userIds, ChatInfo info, DateTimeOffset joinedAt)
    {
        // The membership is already stored: the users' chat lists are an index of it.
        foreach (var chunk in userIds.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IUserGrain>(id).JoinedChat(info, joinedAt)));
        }
    }

    private async Task Publish(ChatEvent chatEvent)
    {
        try
        {
            await _stream.OnNextAsync(chatEvent);
        }
        catch (Exception ex)
        {
            // Live fan-out is best effort: what is stored reaches devices by replay or gap fill.
            LogPublishFailed(ChatId, chatEvent.GetType().Name, ex);
        }
    }
}
