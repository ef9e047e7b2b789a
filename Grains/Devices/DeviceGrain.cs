using ChatOrleans.Grains.Hosting;
using Orleans.Streams;

namespace ChatOrleans.Grains.Devices;

/// <summary>
/// One device: its session and its delivery positions. A chat the device never acknowledged
/// starts at the chat's last seq when the device first connected, or at the user's join seq
/// for chats joined later; older messages come from history.
/// </summary>
public sealed class DeviceGrain(
    [PersistentState("device", StorageNames.GrainState)] IPersistentState<DeviceState> state,
    TimeProvider time)
    : Grain, IDeviceGrain
{
    private string? _gatewayId;

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

        await state.WriteStateAsync();
        _gatewayId = gatewayId;

        // An older session of this device, on whatever gateway, closes with 4001.
        await this.GetStreamProvider(StreamNames.Provider)
            .GetStream<UserEvent>(StreamId.Create(StreamNames.UserNamespace, userId))
            .OnNextAsync(new DeviceSessionStartedEvent(userId, deviceId, sessionId));

        var positions = entries.ToDictionary(e => e.ChatId, e => State.Positions.GetValueOrDefault(e.ChatId, e.JoinSeq));
        return new DeviceSession(sessionId, first, first ? null : previousStart, positions);
    }

    public Task Disconnect(string sessionId)
    {
        if (State.SessionId == sessionId)
        {
            _gatewayId = null;
        }

        return Task.CompletedTask;
    }

    public async Task<long> Delivered(string chatId, long seq)
    {
        var (userId, _) = Key;
        var lastSeq = await GrainFactory.GetGrain<IChatGrain>(chatId).GetLastSeq(userId);
        seq = Math.Min(seq, lastSeq);
        if (!State.Positions.TryGetValue(chatId, out var position))
        {
            var entries = await GrainFactory.GetGrain<IUserGrain>(userId).GetChatEntries();
            position = entries.FirstOrDefault(e => e.ChatId == chatId)?.JoinSeq ?? 0;
        }

        if (seq > position)
        {
            State.Positions[chatId] = seq;
            await state.WriteStateAsync();
            return seq;
        }

        return position;
    }

    public Task<IReadOnlyDictionary<string, long>> GetPositions() =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>(State.Positions));
}
