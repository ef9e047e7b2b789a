using Orleans.Concurrency;

namespace ChatOrleans;

/// <summary>
/// A user's connected sessions across the cluster (key: user id): one per device, with its last
/// activity. It bounds how many devices a user has connected at once (PROTOCOL.md, Limits), and
/// is the place that knows whether a user is connected and active (presence builds on it).
/// In memory only: after a restart or a silo failure it is rebuilt as devices connect and report
/// activity, so until then it may know fewer sessions than there are (the bound errs lenient).
/// The gateways call it per connect, per activity report and per disconnect, never per message.
/// </summary>
[Alias("ChatOrleans.IUserSessionsGrain")]
public interface IUserSessionsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the device's new session (replacing its older one: a device counts once) and
    /// returns the sessions it evicts: while more than <paramref name="maxDevices"/> devices are
    /// connected, the least recently active other one. Each evicted session gets a
    /// <see cref="SessionEvictedEvent"/> on the user's stream, which the gateway holding it answers
    /// by closing the socket with 4001.
    /// </summary>
    [Alias("Connect")]
    Task<IReadOnlyList<UserSession>> Connect(string deviceId, string sessionId, int maxDevices);

    /// <summary>The session's person did something (throttled by the gateway); a session not known yet is added.</summary>
    [OneWay, Alias("Active")]
    Task Active(string deviceId, string sessionId);

    /// <summary>The session ended; a newer session of the same device is left alone.</summary>
    [Alias("Disconnect")]
    Task Disconnect(string deviceId, string sessionId);

    /// <summary>The connected sessions, least recently active first.</summary>
    [Alias("GetSessions")]
    Task<IReadOnlyList<UserSession>> GetSessions();
}
