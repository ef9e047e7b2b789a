using System.Threading.RateLimiting;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// A token bucket per key (a device, a user): <c>burst</c> tokens refilled at <c>perSecond</c>.
/// One partitioned limiter for all keys, so idle keys cost no timer. The budgets of the edge
/// (<see cref="SendRateLimiter"/>, <see cref="HistoryRateLimiter"/>) are made of these.
/// </summary>
internal sealed class TokenBuckets : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly PartitionedRateLimiter<string> _limiter;

    public TokenBuckets(int perSecond, int burst)
    {
        var perPeriod = Math.Max(1, (int)Math.Round(perSecond * Period.TotalSeconds));
        var period = TimeSpan.FromSeconds(perPeriod / (double)perSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(
            key,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when a token was taken; otherwise how long to wait before the next try.</summary>
    public TimeSpan? TryAcquire(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Period;
    }

    public void Dispose() => _limiter.Dispose();
}
