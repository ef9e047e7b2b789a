using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Storage;

namespace ChatOrleans.Grains.Devices;

/// <summary>
/// One device: its session and its delivery positions. A chat the device never acknowledged
/// starts at the chat's last seq when the device first connected, or at the user's join seq
/// for chats joined later; older messages come from history. Confirmed positions are this
/// grain's state; unconfirmed ones are in the <see cref="IDevicePositionStore"/>, written there by
/// the gateways in batches, and merged in (the higher wins) when the device connects.
/// </summary>
public sealed class DeviceGrain(
    [PersistentState("device", StorageNames.GrainState)] IPersistentState<DeviceState> state,
    IDevicePositionStore unconfirmed,
    TimeProvider time)
    : Grain, IDeviceGrain
{

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

    public async Task<DeviceSession> Connect(string sessionId)
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

        await MergeUnconfirmedAsync(State.Positions, current.Contains);

        await WriteAsync();
        _ = GrainFactory.GetGrain<INotificationInboxGrain>(userId).DeviceOnline(deviceId, sessionId);

        // An older session of this device, on whatever gateway, closes with 4001.
        await this.GetStreamProvider(StreamNames.Provider)
            .GetStream<UserEvent>(StreamId.Create(StreamNames.UserNamespace, userId))
            .OnNextAsync(new DeviceSessionStartedEvent(userId, deviceId, sessionId));

        _joinSeqs = entries.ToDictionary(e => e.ChatId, e => e.JoinSeq);
        var positions = entries.ToDictionary(e => e.ChatId, e => PositionIn(e.ChatId));

        // What a connected device needs next from this grain is its disconnect, or a confirmed
        // delivered ack: everything else goes through the gateway's batches. Its state (the
        // session and the positions, one entry per chat) is stored, so the activation is let go
        // now rather than held in memory for every idle socket; a later call reads it back.
        DeactivateOnIdle();
        return new DeviceSession(sessionId, first, first ? null : previousStart, positions);
    }

    public Task Disconnect(string sessionId)
    {
        if (State.SessionId == sessionId)
        {
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

    /// <summary>Raises <paramref name="positions"/> to the unconfirmed ones gateways stored for this device, in the chats it accepts.</summary>
    private async Task MergeUnconfirmedAsync(Dictionary<string, long> positions, Func<string, bool> accepts)
    {
        foreach (var (chatId, seq) in await unconfirmed.ReadAsync(this.GetPrimaryKeyString()))
        {
            if (accepts(chatId) && seq > positions.GetValueOrDefault(chatId))
            {
                positions[chatId] = seq;
            }
        }
    }

    private Task WriteAsync() => state.WriteStateAsync();

    /// <summary>
    /// Never below the user's join seq: a user removed and added again between two connections
    /// must not be replayed what was sent while they were out.
    /// </summary>
    private long PositionIn(string chatId)
    {
        var joinSeq = _joinSeqs.GetValueOrDefault(chatId);
        return Math.Max(State.Positions.GetValueOrDefault(chatId, joinSeq), joinSeq);
    }

    public async Task<IReadOnlyDictionary<string, long>> GetPositions()
    {
        var positions = new Dictionary<string, long>(State.Positions);
        await MergeUnconfirmedAsync(positions, positions.ContainsKey);
        return positions;
    }
}
