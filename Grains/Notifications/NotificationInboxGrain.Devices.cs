namespace ChatOrleans.Grains.Notifications;

/// <summary>The user's devices: push tokens, and live presence that decides whether a push is needed.</summary>
public sealed partial class NotificationInboxGrain
{
    public async Task SetPushToken(string deviceId, PushTokenRegistration token)
    {
        foreach (var (otherId, other) in State.Devices)
        {
            // A token moves with a reinstall: it belongs to one device of the user at a time.
            if (otherId != deviceId && other.Token == token)
            {
                other.Token = null;
            }
        }

        var device = Device(deviceId);
        device.Token = token;
        device.TokenRegisteredAt = _time.GetUtcNow();

        // A device without a token is never pushed: what it remembers is of no use any more.
        foreach (var idle in State.Devices.Where(d => d.Value.Token is null).Select(d => d.Key).ToList())
        {
            State.Devices.Remove(idle);
        }

        var over = State.Devices.Count - Math.Max(1, _options.MaxPushDevices);
        foreach (var oldest in State.Devices.Where(d => d.Key != deviceId)
                     .OrderBy(d => d.Value.TokenRegisteredAt).ThenBy(d => d.Key, StringComparer.Ordinal)
                     .Take(Math.Max(0, over)).Select(d => d.Key).ToList())
        {
            LogDeviceDropped(UserId, oldest, _options.MaxPushDevices);
            Forget(oldest);
        }

        await _state.WriteStateAsync();
    }

    public async Task RemovePushToken(string deviceId)
    {
        if (!State.Devices.ContainsKey(deviceId) && !State.OutboxPushes.Exists(p => p.DeviceId == deviceId))
        {
            return;
        }

        Forget(deviceId);
        await _state.WriteStateAsync();
        await Continue();
    }

    public async Task DeviceOnline(string deviceId, string sessionId)
    {
        _presence[deviceId] = (sessionId, _time.GetUtcNow());

        // An open app shows its counts from read_state: no pushed badge is left to clear.
        if (State.Devices.TryGetValue(deviceId, out var device) && device.BadgeShown)
        {
            device.BadgeShown = false;
            await _state.WriteStateAsync();
        }
    }

    public Task DeviceOffline(string deviceId, string sessionId)
    {
        if (_presence.TryGetValue(deviceId, out var presence) && presence.SessionId == sessionId)
        {
            _presence.Remove(deviceId);
        }

        return Task.CompletedTask;
    }

    public Task DeviceActive(string deviceId, string sessionId)
    {
        _presence[deviceId] = (sessionId, _time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetActiveDevices()
    {
        var now = _time.GetUtcNow();
        return Task.FromResult<IReadOnlyList<string>>(_presence.Keys.Where(id => IsActive(id, now)).Order(StringComparer.Ordinal).ToList());
    }

    private bool HasActiveDevice(DateTimeOffset now) => _presence.Keys.Any(id => IsActive(id, now));

    private bool IsActive(string deviceId, DateTimeOffset now) =>
        _presence.TryGetValue(deviceId, out var presence) && now - presence.LastActive < _options.DeviceIdleAfter;

    private InboxDevice Device(string deviceId)
    {
        if (!State.Devices.TryGetValue(deviceId, out var device))
        {
            device = new InboxDevice();
            State.Devices[deviceId] = device;
        }

        return device;
    }

    /// <summary>Drops the device and the pushes decided for it that were not reported sent yet.</summary>
    private void Forget(string deviceId)
    {
        State.Devices.Remove(deviceId);
        foreach (var push in State.OutboxPushes.Where(p => p.DeviceId == deviceId))
        {
            _handedOver.Remove(push.Id);
        }

        State.OutboxPushes.RemoveAll(p => p.DeviceId == deviceId);
    }
}
