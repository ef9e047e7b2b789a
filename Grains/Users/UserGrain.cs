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
            await TellChatListChanged(chat.ChatId, entry.Level);
        }

        await Publish(new ChatJoinedEvent(UserId, new ChatView(chat, entry.LastReadSeq, 0, entry.Level, null)));
    }

    public async Task LeftChat(string chatId)
    {
        if (State.Chats.Remove(chatId))
        {
            await WriteStateAsync();
            await TellChatListChanged(chatId, null);
        }

        await Publish(new ChatLeftEvent(UserId, chatId));
    }

    public async Task<ReadState> MarkRead(string chatId, long seq)
    {
        var entry = await GetEntry(chatId);
        var unread = await ChatRefs[chatId].MarkRead(UserId, entry.LastReadSeq, seq);
        return await MoveReadPosition(entry, unread);
    }

    public async Task MarkReadBySend(UnreadSnapshot unread)
    {
        if (State.Chats.TryGetValue(unread.ChatId, out var entry))
        {
            // The chat already sent the receipt with the message, and the write waits for the
            // next flush: a send moves the position only past the sender's own message, so a
            // crash before the flush can at worst show a few messages as unread again.
            await MoveReadPosition(entry, unread, fromSend: true);
        }
    }

    public async Task<ReadState> GetReadState(string chatId)
    {
        var entry = await GetEntry(chatId);
        var unread = await ChatRefs[chatId].GetUnread(UserId, entry.LastReadSeq);
        return new ReadState(chatId, entry.LastReadSeq, unread.Count, await Inbox.GetBadgeCount());
    }

    public async Task<IReadOnlyList<ReadState>> GetReadStatesMovedSince(DateTimeOffset since)
    {
        var moved = State.Chats.Where(c => c.Value.ReadMovedAt >= since).ToList();
        if (moved.Count == 0)
        {
            return [];
        }

        // One count per chat that moved (a reconnect's cost, not a send's), and the badge once.
        var counts = await Task.WhenAll(moved.Select(c => CountUnreadOrZero(c.Key, c.Value.LastReadSeq)));
        var badge = await Inbox.GetBadgeCount();
        return moved.Select((c, i) => new ReadState(c.Key, c.Value.LastReadSeq, counts[i], badge)).ToList();
    }

    /// <summary>The badge, kept by the user's notification pipeline from what the chats tell it.</summary>
    public Task<int> GetBadgeCount() => Inbox.GetBadgeCount();

    private async Task<int> CountUnreadOrZero(string chatId, long lastReadSeq)
    {
        try
        {
            return (await ChatRefs[chatId].GetUnread(UserId, lastReadSeq)).Count;
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
            await TellChatListChanged(chatId, level);
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

    /// <summary>
    /// Moves the read position to the one the chat counted from (never backwards), stores it, and
    /// tells the user's devices with the chat's count and the badge the notification pipeline keeps.
    /// </summary>
    private async Task<ReadState> MoveReadPosition(UserChatState entry, UnreadSnapshot unread, bool fromSend = false)
    {
        var chatId = unread.ChatId;
        if (unread.ReadSeq <= entry.LastReadSeq)
        {
            // The read position never moves backwards; a lower mark changes nothing.
            var count = unread.ReadSeq == entry.LastReadSeq ? unread.Count : (await ChatRefs[chatId].GetUnread(UserId, entry.LastReadSeq)).Count;
            return new ReadState(chatId, entry.LastReadSeq, count, await Inbox.GetBadgeCount());
        }

        entry.LastReadSeq = unread.ReadSeq;
        entry.ReadMovedAt = _time.GetUtcNow();
        if (fromSend)
        {
            ScheduleWrite();
        }
        else
        {
            await WriteStateAsync();
        }

        // The pipeline drops pending alerts of what is now read and answers with the badge.
        var badge = await Inbox.ReadMoved(unread);
        var readState = new ReadState(chatId, entry.LastReadSeq, unread.Count, badge);
        await Publish(new ReadStateEvent(UserId, readState));
        return readState;
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

}
