using ChatOrleans.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace ChatOrleans.Grains.Users;

/// <summary>
/// One user: profile, chat list and read positions (shared by all the user's devices). The
/// chats own membership; this list is the user's index of it, written by the chats.
/// </summary>
public sealed partial class UserGrain : Grain, IUserGrain
{
    private readonly IPersistentState<UserState> _state;
    private readonly TimeProvider _time;
    private readonly ILogger<UserGrain> _logger;
    // How long a read position moved by a send may wait in memory before it is written.
    private static readonly TimeSpan FlushDelay = TimeSpan.FromSeconds(1);

    private IAsyncStream<UserEvent> _stream = null!;
    private GrainRefCache<IChatGrain>? _chatRefs;
    private INotificationInboxGrain? _inboxRef;
    private IGrainTimer? _flushTimer;
    private bool _writePending;

    public UserGrain(
        [PersistentState("user", StorageNames.GrainState)] IPersistentState<UserState> state,
        TimeProvider time,
        ILogger<UserGrain> logger)
    {
        _state = state;
        _time = time;
        _logger = logger;
    }

    private string UserId => this.GetPrimaryKeyString();

    private UserState State => _state.State;

    private GrainRefCache<IChatGrain> ChatRefs => _chatRefs ??= new(GrainFactory);

    private INotificationInboxGrain Inbox => _inboxRef ??= GrainFactory.GetGrain<INotificationInboxGrain>(UserId);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<UserEvent>(StreamId.Create(StreamNames.UserNamespace, UserId));
        return Task.CompletedTask;
    }

    public async Task<UserProfile> Initialize(string username, string displayName)
    {
        if (State.Profile is { } existing)
        {
            return existing;
        }

        State.Profile = new UserProfile(UserId, username, displayName, _time.GetUtcNow());
        await WriteStateAsync();
        return State.Profile;
    }

    public Task<UserProfile?> GetProfile()
    {
        if (State.Profile is null)
        {
            // Nobody registered this id: the activation leaves memory once this call is done, so
            // asking for many unknown ids (a group of made-up members) holds nothing.
            DeactivateOnIdle();
        }

        return Task.FromResult(State.Profile);
    }

    public async Task<IReadOnlyList<ChatView>> GetChats()
    {
        var entries = State.Chats.ToList();
        var views = await Task.WhenAll(entries.Select(async e =>
        {
            try
            {
                return await LoadView(e.Key, e.Value);
            }
            catch (ChatException)
            {
                // Removed meanwhile: the chat's membership wins over this index.
                return null;
            }
        }));
        return views.OfType<ChatView>()
            .OrderByDescending(v => v.LastMessage?.CreatedAt ?? v.Chat.CreatedAt)
            .ToList();
    }

    public async Task<ChatView> GetChat(string chatId)
    {
        if (!State.Chats.TryGetValue(chatId, out var entry))
        {
            // Not ours: let the chat say whether it exists (forbidden) or not (not_found).
            await ChatRefs[chatId].GetInfo(UserId);
            throw ChatException.Forbidden("You are not a member of this chat.");
        }

        return await LoadView(chatId, entry);
    }

    public Task<IReadOnlyList<UserChatEntry>> GetChatEntries() =>
        Task.FromResult<IReadOnlyList<UserChatEntry>>(State.Chats
            .Select(e => new UserChatEntry(e.Key, e.Value.JoinedAt, e.Value.JoinSeq, e.Value.LastReadSeq, e.Value.ReadMovedAt, e.Value.Level))
            .ToList());

    public async Task JoinedChat(ChatInfo chat, DateTimeOffset joinedAt)
    {
        if (!State.Chats.TryGetValue(chat.ChatId, out var entry))
        {
            // A user added to a chat starts with nothing unread.
            entry = new UserChatState
            {
                JoinedAt = joinedAt,
                JoinSeq = chat.LastSeq,
                LastReadSeq = chat.LastSeq,
                ReadMovedAt = joinedAt,
                Level = NotificationLevel.All,
            };
            State.Chats[chat.ChatId] = entry;
            await WriteStateAsync();
        }

        await Publish(new ChatJoinedEvent(UserId, new ChatView(chat, entry.LastReadSeq, 0, entry.Level, null)));
    }

    public async Task LeftChat(string chatId)
    {
        if (State.Chats.Remove(chatId))
        {
            await WriteStateAsync();
        }

        await Publish(new ChatLeftEvent(UserId, chatId));
    }

    public async Task<ReadState> MarkRead(string chatId, long seq)
    {
        var entry = await GetEntry(chatId);
        var lastSeq = await ChatRefs[chatId].GetLastSeq(UserId);
        return await MoveReadPosition(chatId, entry, Math.Min(seq, lastSeq));
    }

    public async Task MarkReadBySend(string chatId, long seq)
    {
        if (State.Chats.TryGetValue(chatId, out var entry))
        {
            // The chat already sent the receipt with the message, and the write waits for the
            // next flush: a send moves the position only past the sender's own message, so a
            // crash before the flush can at worst show a few messages as unread again.
            await MoveReadPosition(chatId, entry, seq, fromSend: true);
        }
    }

    public async Task<ReadState> GetReadState(string chatId)
    {
        var entry = await GetEntry(chatId);
        return await BuildReadState(chatId, entry);
    }

    public async Task<IReadOnlyList<ReadState>> GetReadStatesMovedSince(DateTimeOffset since)
    {
        var moved = State.Chats.Where(c => c.Value.ReadMovedAt >= since).ToList();
        if (moved.Count == 0)
        {
            return [];
        }

        var (unread, badge) = await CountUnread();
        return moved.Select(c => new ReadState(c.Key, c.Value.LastReadSeq, unread[c.Key], badge)).ToList();
    }

    public async Task<int> GetBadgeCount() => (await CountUnread()).Badge;

    /// <summary>
    /// Every chat's unread count in one pass, and the badge: the sum over chats whose level is not
    /// <c>none</c>. One call per chat; a chat with nothing above the read position answers from memory.
    /// </summary>
    private async Task<(Dictionary<string, int> Unread, int Badge)> CountUnread()
    {
        var chats = State.Chats.ToList();
        var counts = await Task.WhenAll(chats.Select(c => CountUnreadOrZero(c.Key, c.Value.LastReadSeq)));
        var unread = new Dictionary<string, int>(chats.Count);
        var badge = 0;
        for (var i = 0; i < chats.Count; i++)
        {
            unread[chats[i].Key] = counts[i];
            if (chats[i].Value.Level != NotificationLevel.None)
            {
                badge += counts[i];
            }
        }

        return (unread, badge);
    }

    private async Task<int> CountUnreadOrZero(string chatId, long lastReadSeq)
    {
        try
        {
            return await ChatRefs[chatId].CountUnread(UserId, lastReadSeq);
        }
        catch (ChatException)
        {
            // Left or removed meanwhile: nothing of it counts any more.
            return 0;
        }
    }

    public async Task SetChatLevel(string chatId, NotificationLevel level)
    {
        var entry = await GetEntry(chatId);
        await TellChatLevelChosen(chatId, level);
        if (entry.Level != level)
        {
            entry.Level = level;
            await WriteStateAsync();
        }
    }

    private async Task<UserChatState> GetEntry(string chatId)
    {
        if (State.Chats.TryGetValue(chatId, out var entry))
        {
            return entry;
        }

        await ChatRefs[chatId].GetInfo(UserId);
        throw ChatException.Forbidden("You are not a member of this chat.");
    }

    private async Task<ReadState> MoveReadPosition(string chatId, UserChatState entry, long seq, bool fromSend = false)
    {
        if (seq <= entry.LastReadSeq)
        {
            // The read position never moves backwards; a lower mark changes nothing.
            return await BuildReadState(chatId, entry);
        }

        entry.LastReadSeq = seq;
        entry.ReadMovedAt = _time.GetUtcNow();
        if (fromSend)
        {
            ScheduleWrite();
        }
        else
        {
            await WriteStateAsync();
        }

        var readState = await BuildReadState(chatId, entry);
        await Publish(new ReadStateEvent(UserId, readState));
        TellReadMoved(readState);

        if (fromSend)
        {
            return readState;
        }

        try
        {
            await ChatRefs[chatId].ReadMoved(UserId, seq);
        }
        catch (Exception ex)
        {
            LogReceiptFailed(chatId, ex);
        }

        return readState;
    }

    private async Task<ReadState> BuildReadState(string chatId, UserChatState entry)
    {
        var (unread, badge) = await CountUnread();
        return new ReadState(chatId, entry.LastReadSeq, unread.GetValueOrDefault(chatId), badge);
    }

    /// <summary>Every write stores the whole state, so one that waits for a flush is taken along.</summary>
    private async Task WriteStateAsync()
    {
        _writePending = false;
        try
        {
            await _state.WriteStateAsync();
        }
        catch
        {
            _writePending = true;
            throw;
        }
    }

    private void ScheduleWrite()
    {
        _writePending = true;
        _flushTimer ??= this.RegisterGrainTimer(FlushAsync, FlushDelay, Timeout.InfiniteTimeSpan);
    }

    private async Task FlushAsync()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (_writePending)
        {
            await WriteStateAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writePending)
        {
            await WriteStateAsync();
        }
    }

    private async Task<ChatView> LoadView(string chatId, UserChatState entry)
    {
        // The chat's answer carries the read position a send moved, which may not have reached this
        // grain yet (MarkReadBySend is told after the send's ack).
        var summary = await ChatRefs[chatId].GetSummary(UserId, entry.LastReadSeq);
        return new ChatView(summary.Chat, Math.Max(entry.LastReadSeq, summary.LastReadSeq), summary.UnreadCount, entry.Level, summary.LastMessage);
    }

    private async Task Publish(UserEvent userEvent)
    {
        try
        {
            await _stream.OnNextAsync(userEvent);
        }
        catch (Exception ex)
        {
            LogPublishFailed(userEvent.GetType().Name, ex);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Publishing {EventType} to the user's stream failed; devices catch up at reconnect")]
    private partial void LogPublishFailed(string eventType, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Telling chat {ChatId} that the read position moved failed")]
    private partial void LogReceiptFailed(string chatId, Exception exception);
}
