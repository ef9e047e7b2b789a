using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// Caps how often this gateway logs unexpected request failures at Error
/// (<see cref="GatewayOptions.ErrorLogsPerMinute"/>): a client that keeps triggering one failure
/// must not fill the disk with stack traces. What is held back is counted, and the count goes
/// out with the next entry allowed.
/// </summary>
public sealed class ErrorLogThrottle(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly FixedWindowRateLimiter _limiter = new(new FixedWindowRateLimiterOptions
    {
        PermitLimit = options.Value.ErrorLogsPerMinute,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    private long _suppressed;

    /// <summary>True when this failure may be logged; <paramref name="suppressed"/> is how many were not since the last one.</summary>
    public bool TryLog(out long suppressed)
    {
        using var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return true;
    }

    public void Dispose() => _limiter.Dispose();
}
