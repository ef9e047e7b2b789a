using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// The budget of the frames that write to a chat (<c>send_message</c>, <c>delete_message</c>, and
/// <c>edit_message</c>, <c>add_reaction</c>, <c>remove_reaction</c>): a token bucket per device
/// (<see cref="GatewayOptions.SendBurst"/> refilled at <see cref="GatewayOptions.SendsPerSecond"/>)
/// and one per user over all its devices (<see cref="GatewayOptions.UserSendBurst"/>,
/// <see cref="GatewayOptions.UserSendsPerSecond"/>), since device ids are the client's to choose.
/// The per-user bucket lives in this gateway process: a user's devices spread over several
/// gateways get the per-user budget once per gateway. That keeps sends free of any cluster-wide
/// call; a cluster's front proxy that pins users to gateways makes it exact.
/// </summary>
public sealed class SendRateLimiter : IDisposable
{
    private readonly TokenBuckets _devices;
    private readonly TokenBuckets _users;

    public SendRateLimiter(IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        _devices = new TokenBuckets(o.SendsPerSecond, o.SendBurst);
        _users = new TokenBuckets(o.UserSendsPerSecond, o.UserSendBurst);
    }

    /// <summary>
    /// Null when allowed; otherwise how long to wait before the next try. The device's own bucket
    /// is asked first, so a device over its budget does not spend the tokens its user's other
    /// devices share.
    /// </summary>
    public TimeSpan? TryAcquire(string userId, string deviceKey) =>
        _devices.TryAcquire(deviceKey) ?? _users.TryAcquire(userId);

    public void Dispose()
    {
        _devices.Dispose();
        _users.Dispose();
    }
}
