using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// The budgets of the auth edge, all per gateway process: failed logins per username and per
/// client address, registrations per address, WebSocket tickets and connection attempts per user.
/// </summary>
public sealed class AuthRateLimits : IDisposable
{
    public AuthRateLimits(IOptions<AuthOptions> options)
    {
        var o = options.Value;
        LoginFailuresByUsername = KeyedRateLimiter.PerMinute(o.LoginFailuresPerUsernamePerMinute, o.MaxTrackedKeys);
        LoginFailuresByAddress = KeyedRateLimiter.PerMinute(o.LoginFailuresPerAddressPerMinute, o.MaxTrackedKeys);
        RegistrationsByAddress = KeyedRateLimiter.PerMinute(o.RegistrationsPerAddressPerMinute, o.MaxTrackedKeys);
        WsTicketsByUser = KeyedRateLimiter.TokenBucket(o.WsTicketsPerSecond, o.WsTicketBurst, o.MaxTrackedKeys);
        WsConnectsByUser = KeyedRateLimiter.TokenBucket(o.WsConnectsPerSecond, o.WsConnectBurst, o.MaxTrackedKeys);
    }

    public KeyedRateLimiter LoginFailuresByUsername { get; }

    public KeyedRateLimiter LoginFailuresByAddress { get; }

    public KeyedRateLimiter RegistrationsByAddress { get; }

    public KeyedRateLimiter WsTicketsByUser { get; }

    public KeyedRateLimiter WsConnectsByUser { get; }

    public void Dispose()
    {
        LoginFailuresByUsername.Dispose();
        LoginFailuresByAddress.Dispose();
        RegistrationsByAddress.Dispose();
        WsTicketsByUser.Dispose();
        WsConnectsByUser.Dispose();
    }
}
