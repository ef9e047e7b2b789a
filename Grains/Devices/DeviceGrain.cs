using ChatOrleans.Grains.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace ChatOrleans.Grains.Devices;

/// <summary>
/// One device: its session and its delivery positions. A chat the device never acknowledged
/// starts at the chat's last seq when the device first connected, or at the user's join seq
/// for chats joined later; older messages come from history.
/// </summary>
public sealed class DeviceGrain(
    [PersistentState("device", StorageNames.GrainState)] IPersistentState<DeviceState> state,
    TimeProvider time,
    IOptions<DeviceOptions> options)
    : Grain, IDeviceGrain
{
    private readonly TimeSpan _flushDelay = options.Value.PositionFlushDelay;

    private string? _gatewayId;
    private IGrainTimer? _flushTimer;
    private bool _dirty;

    // The user's join seq per chat, read at connect and refreshed for chats joined since: the
    // floor of every position, so it need not be fetched for each delivered.
    private Dictionary<string, long> _joinSeqs = [];

    private DeviceState State => state.State;

    private (string UserId, string DeviceId) Key
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            var slash = key.IndexOf('/');
            return (key[..slash], key[(slash + 1)..]);
        }
    }

    public async Task<DeviceSession> Connect(string sessionId, string gatewayId)
    {
        var (userId, deviceId) = Key;
        var entries = await GrainFactory.GetGrain<IUserGrain>(userId).GetChatEntries();
        var first = State.FirstConnectedAt is null;
        var now = time.GetUtcNow();

        if (first)
        {
            var lastSeqs = await Task.WhenAll(entries.Select(async e =>
            {
                try
                {
                    return (e.ChatId, Seq: await GrainFactory.GetGrain<IChatGrain>(e.ChatId).GetLastSeq(userId));
                }
                catch (ChatException)
                {
                    return (e.ChatId, Seq: e.JoinSeq);
                }
            }));
            foreach (var (chatId, seq) in lastSeqs)
            {
                State.Positions[chatId] = seq;
            }

            State.FirstConnectedAt = now;
        }

        var previousStart = State.ConnectionStartedAt;
        State.ConnectionStartedAt = now;
        State.SessionId = sessionId;
        var current = entries.Select(e => e.ChatId).ToHashSet();
        foreach (var gone in State.Positions.Keys.Where(k => !current.Contains(k)).ToList())
        {
            State.Positions.Remove(gone);
        }

        await WriteAsync();
        _gatewayId = gatewayId;
        _ = GrainFactory.GetGrain<INotificationInboxGrain>(userId).DeviceOnline(deviceId, sessionId);

        // An older session of this device, on whatever gateway, closes with 4001.
        await this.GetStreamProvider(StreamNames.Provider)
            .GetStream<UserEvent>(StreamId.Create(StreamNames.UserNamespace, userId))
            .OnNextAsync(new DeviceSessionStartedEvent(userId, deviceId, sessionId));

        _joinSeqs = entries.ToDictionary(e => e.ChatId, e => e.JoinSeq);
        var positions = entries.ToDictionary(e => e.ChatId, e => PositionIn(e.ChatId));
        return new DeviceSession(sessionId, first, first ? null : previousStart, positions);
    }

    public Task Disconnect(string sessionId)
    {
        if (State.SessionId == sessionId)
        {
            _gatewayId = null;
            var (userId, deviceId) = Key;
            _ = GrainFactory.GetGrain<INotificationInboxGrain>(userId).DeviceOffline(deviceId, sessionId);
        }

        return Task.CompletedTask;
    }

    public async Task<long> Delivered(string chatId, long seq)
    {
        if (await Advance(chatId, seq))
        {
            await WriteAsync();
        }

        return PositionIn(chatId);
    }

    public async Task NoteDelivered(string chatId, long seq)
    {
        if (await Advance(chatId, seq))
        {
            ScheduleFlush();
        }
    }

    public async Task NoteDeliveredMany(IReadOnlyList<ChatPosition> positions)
    {
        var moved = false;
        foreach (var position in positions)
        {
            if (!_joinSeqs.ContainsKey(position.ChatId))
            {
                await RefreshJoinSeqs();
                if (!_joinSeqs.ContainsKey(position.ChatId))
                {
                    continue;
                }
            }

            if (position.Seq > PositionIn(position.ChatId))
            {
                State.Positions[position.ChatId] = position.Seq;
                moved = true;
            }
        }

        if (moved)
        {
            ScheduleFlush();
        }
    }

    /// <summary>The moved positions reach storage within the flush delay, many acks in one write.</summary>
    private void ScheduleFlush()
    {
        _dirty = true;
        _flushTimer ??= this.RegisterGrainTimer(FlushAsync, _flushDelay, Timeout.InfiniteTimeSpan);
    }

    private async Task RefreshJoinSeqs()
    {
        var entries = await GrainFactory.GetGrain<IUserGrain>(Key.UserId).GetChatEntries();
        _joinSeqs = entries.ToDictionary(e => e.ChatId, e => e.JoinSeq);
    }

    /// <summary>Moves the position in memory, clamped to the chat's last seq; false when it does not move.</summary>
    private async Task<bool> Advance(string chatId, long seq)
    {
        var (userId, _) = Key;
        var lastSeq = await GrainFactory.GetGrain<IChatGrain>(chatId).GetLastSeq(userId);
        seq = Math.Min(seq, lastSeq);
        if (!_joinSeqs.ContainsKey(chatId))
        {
            await RefreshJoinSeqs();
        }

        if (seq <= PositionIn(chatId))
        {
            return false;
        }

        State.Positions[chatId] = seq;
        return true;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await WriteAsync();
        }
    }

    private async Task FlushAsync()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (_dirty)
        {
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        _dirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }

    /// <summary>
    /// Never below the user's join seq: a user removed and added again between two connections
    /// must not be replayed what was sent while they were out.
    /// </summary>
    private long PositionIn(string chatId)
    {
        var joinSeq = _joinSeqs.GetValueOrDefault(chatId);
        return Math.Max(State.Positions.GetValueOrDefault(chatId, joinSeq), joinSeq);
    }

    public Task<IReadOnlyDictionary<string, long>> GetPositions() =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>(State.Positions));
}
