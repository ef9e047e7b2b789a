namespace ChatOrleans.Grains.Users;

/// <summary>
/// A user's connected sessions, in memory (see <see cref="IUserSessionsGrain"/>). Activity order
/// is kept by a counter, so two events within one clock tick still have an order.
/// </summary>
public sealed class UserSessionsGrain(TimeProvider time) : Grain, IUserSessionsGrain
{
    // Held sessions must outlive idle collection: nothing else would rebuild the sessions of
    // devices that stay connected without activity. Renewed at every call.
    private static readonly TimeSpan KeepWhileConnected = TimeSpan.FromDays(1);

    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private long _order;

    private string UserId => this.GetPrimaryKeyString();

    public async Task<IReadOnlyList<UserSession>> Connect(string deviceId, string sessionId, int maxDevices)
    {
        var now = time.GetUtcNow();
        _sessions[deviceId] = new Entry(sessionId, now) { LastActiveAt = now, Order = ++_order };

        var evicted = new List<UserSession>();
        while (_sessions.Count > Math.Max(1, maxDevices))
        {
            var (oldestDevice, oldest) = _sessions.Where(s => s.Key != deviceId).MinBy(s => s.Value.Order);
            _sessions.Remove(oldestDevice);
            evicted.Add(oldest.ToSession(oldestDevice));
        }

        if (evicted.Count > 0)
        {
            var stream = this.GetStreamProvider(StreamNames.Provider)
                .GetStream<UserEvent>(StreamId.Create(StreamNames.UserNamespace, UserId));
            foreach (var session in evicted)
            {
                await stream.OnNextAsync(new SessionEvictedEvent(UserId, session.DeviceId, session.SessionId));
            }
        }

        KeepAlive();
        return evicted;
    }

    public Task Active(string deviceId, string sessionId)
    {
        var now = time.GetUtcNow();
        if (!_sessions.TryGetValue(deviceId, out var entry))
        {
            // Not known: this grain was rebuilt since the session connected.
            entry = new Entry(sessionId, now);
            _sessions[deviceId] = entry;
        }
        else if (entry.SessionId != sessionId)
        {
            // A late report of an older session: the device's newer one stands.
            return Task.CompletedTask;
        }

        entry.LastActiveAt = now;
        entry.Order = ++_order;
        KeepAlive();
        return Task.CompletedTask;
    }

    public Task Disconnect(string deviceId, string sessionId)
    {
        if (_sessions.TryGetValue(deviceId, out var entry) && entry.SessionId == sessionId)
        {
            _sessions.Remove(deviceId);
        }

        if (_sessions.Count == 0)
        {
            // Nothing to keep: idle collection may take it.
            DelayDeactivation(TimeSpan.FromSeconds(-1));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UserSession>> GetSessions() =>
        Task.FromResult<IReadOnlyList<UserSession>>(
            _sessions.OrderBy(s => s.Value.Order).Select(s => s.Value.ToSession(s.Key)).ToList());

    private void KeepAlive() => DelayDeactivation(KeepWhileConnected);

    private sealed class Entry(string sessionId, DateTimeOffset connectedAt)
    {
        public string SessionId { get; } = sessionId;

        public DateTimeOffset ConnectedAt { get; } = connectedAt;

        public DateTimeOffset LastActiveAt { get; set; }

        public long Order { get; set; }

        public UserSession ToSession(string deviceId) => new(deviceId, SessionId, ConnectedAt, LastActiveAt);
    }
}
