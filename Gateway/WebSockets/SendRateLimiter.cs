using System.Threading.RateLimiting;
using ChatOrleans.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// The per-device budget for <c>send_message</c> and <c>delete_message</c>: a token bucket of
/// <see cref="GatewayOptions.SendBurst"/> refilled at <see cref="GatewayOptions.SendsPerSecond"/>.
/// One partitioned limiter for the whole gateway, so idle devices cost no timer.
/// </summary>
public sealed class SendRateLimiter : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly PartitionedRateLimiter<string> _limiter;

    public SendRateLimiter(IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var perPeriod = Math.Max(1, (int)Math.Round(o.SendsPerSecond * Period.TotalSeconds));
        var period = TimeSpan.FromSeconds(perPeriod / (double)o.SendsPerSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(device => RateLimitPartition.GetTokenBucketLimiter(
            device,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.SendBurst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when allowed; otherwise how long to wait before the next try.</summary>
    public TimeSpan? TryAcquire(string deviceKey)
    {
        using var lease = _limiter.AttemptAcquire(deviceKey);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Period;
    }

    public void Dispose() => _limiter.Dispose();
}
