using System.Diagnostics.CodeAnalysis;
using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Notifications;
using ChatOrleans.Grains.Storage;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ChatOrleans.Grains.Chats;

/// <summary>
/// The single writer of one chat. Reentrant so that sends queueing up while a log write is in
/// flight join the next batch (see <see cref="ChatLogWriter"/>); membership changes take
/// <see cref="_stateLock"/> so that they never interleave with each other.
/// </summary>
/// <remarks>
/// The grain checks and routes; what it remembers lives in plain classes: who is in the chat
/// (<see cref="ChatMembers"/>, over the grain state), recent sends for retries
/// (<see cref="DedupeCache"/>), the queue of sends and the last seq (<see cref="ChatLogWriter"/>),
/// recent senders for unread counts (<see cref="UnreadWindow"/>); <see cref="AlertRecipients"/>
/// decides who an alert is for.
/// </remarks>
[Reentrant]
[SuppressMessage("Reliability", "CA1001", Justification = "The semaphore never hands out its wait handle, so it holds nothing to release.")]
public sealed partial class ChatGrain : Grain, IChatGrain
{
    private readonly IPersistentState<ChatState> _state;
    private readonly IMessageLog _log;
    private readonly ChatOptions _options;
    private readonly NotificationOptions _notificationOptions;
    private readonly TimeProvider _time;
    private readonly ChatMetrics _metrics;
    private readonly ILogger<ChatGrain> _logger;
    private readonly SemaphoreSlim _stateLock = new(1, 1);
    private readonly DedupeCache _recent;
    private ChatMembers _members = null!;
    private IAsyncStream<ChatEvent> _stream = null!;
    private GrainRefCache<IUserGrain>? _userRefs;
    private GrainRefCache<INotificationInboxGrain>? _inboxRefs;
    private ChatLogWriter _writer = null!;
    private DateTimeOffset? _lastDeletedAt;

    public ChatGrain(
        [PersistentState("chat", StorageNames.GrainState)] IPersistentState<ChatState> state,
        IMessageLog log,
        IOptions<ChatOptions> options,
        IOptions<NotificationOptions> notificationOptions,
        TimeProvider time,
        ChatMetrics metrics,
        ILogger<ChatGrain> logger)
    {
        _state = state;
        _log = log;
        _options = options.Value;
        _recent = new DedupeCache(_options.DedupeCacheSize);
        _notificationOptions = notificationOptions.Value;
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
        _members = new ChatMembers(State);

        // The log, not memory, is the source of the order: a new activation (after a crash, a
        // move or a double activation) continues from what is durably stored.
        _writer = new ChatLogWriter(ChatId, _log, _recent, _options.MaxWriteBatch, _time, _metrics, _logger, OnBatchWritten);
        await _writer.LoadAsync(cancellationToken);
        _lastDeletedAt = await _log.GetLastDeletedAtAsync(ChatId, cancellationToken);
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
            _unread.NoteDeleted(stored.Message.Seq);
            await Publish(new MessageDeletedEvent(ChatId, messageId, stored.Message.Seq));
            TellUnreadChanged(AlertRecipients.EveryBatchMembers(State.Kind, _members, _notificationOptions.LargeGroupThreshold).ToList());
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
        var lastSeq = _writer.LastSeq;
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
        return Task.FromResult(_writer.LastSeq);
    }

    public async Task<ChatSummary> GetSummary(string userId, long lastReadSeq)
    {
        var info = await GetInfo(userId);
        // The sender's grain hears of a send's read move after the ack (a one-way call, off the
        // send's path): until then its position may lag the sender's own latest message.
        var readSeq = Math.Max(lastReadSeq, _unread.LatestSentBy(userId, lastReadSeq, _writer.LastSeq));
        var unread = await CountUnread(userId, readSeq);
        var last = await GetLastMessage();
        return new ChatSummary(info, unread, last, readSeq);
    }

    public Task Typing(string userId, bool started)
    {
        EnsureMember(userId);
        return Publish(new TypingEvent(ChatId, userId, started));
    }

    private GrainRefCache<IUserGrain> UserRefs => _userRefs ??= new(GrainFactory, capacity: 100_000);

    private GrainRefCache<INotificationInboxGrain> InboxRefs => _inboxRefs ??= new(GrainFactory, capacity: 100_000);

    private bool ReceiptsApply => State.Kind == ChatKind.Direct || _members.Count <= _options.MaxReceiptGroupSize;

    private ChatInfo ToInfo() => new(
        ChatId,
        State.Kind,
        State.Kind == ChatKind.Group ? State.Name : null,
        State.Kind == ChatKind.Group ? State.OwnerId : null,
        _members.InJoinOrder.Take(1_000).Select(m => m.UserId).ToList(),
        _members.Count,
        _writer.LastSeq,
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

    /// <summary>
    /// An activation for an id that holds no chat (an unknown id, a refused creation) leaves memory
    /// as soon as its calls are done, so ids nobody created cost nothing for long.
    /// </summary>
    private void ForgetUncreated() => DeactivateOnIdle();

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
