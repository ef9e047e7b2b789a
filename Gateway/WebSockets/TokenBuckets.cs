using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// A token bucket per key (a device, a user): <c>burst</c> tokens refilled at <c>perSecond</c>.
/// The budgets of the edge (<see cref="SendRateLimiter"/>, <see cref="HistoryRateLimiter"/>) are
/// made of these.
/// </summary>
/// <remarks>
/// Each bucket is refilled when it is asked (by the time since it was last asked), not by a
/// timer: the library's partitioned limiter refills every key's bucket from one heartbeat ten
/// times a second, walking every device and user that sent lately, a few percent of the
/// gateway's CPU under steady load and a cost for every recently active device even while it
/// idles. One slow sweep
/// drops the buckets that are whole again (an absent key has a whole budget), so only keys that
/// spent tokens lately are held, and those are keys of this gateway's sockets.
/// </remarks>
internal sealed class TokenBuckets : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);
    private readonly TokenBucketRateLimiterOptions _options;
    private readonly Timer _sweep;

    public TokenBuckets(int perSecond, int burst)
    {
        var perPeriod = Math.Max(1, (int)Math.Round(perSecond * Period.TotalSeconds));
        _options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(perPeriod / (double)perSecond),
            QueueLimit = 0,
            AutoReplenishment = false,
        };
        _sweep = new Timer(_ => Sweep(), null, SweepPeriod, SweepPeriod);
    }

    /// <summary>How many keys hold a bucket now (for tests).</summary>
    internal int TrackedKeys => _buckets.Count;

    /// <summary>Null when a token was taken; otherwise how long to wait before the next try.</summary>
    public TimeSpan? TryAcquire(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = _buckets.GetOrAdd(key, _ => new TokenBucketRateLimiter(_options));
        }

        // Adds what the time since the last call earned, then takes one.
        bucket.TryReplenish();
        using var lease = bucket.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : Period;
    }

    /// <summary>Forgets the buckets that are whole again.</summary>
    internal void Sweep()
    {
        foreach (var entry in _buckets)
        {
            entry.Value.TryReplenish();
            // A caller that fetched the bucket just before it left may spend a token that is then
            // forgotten: one token of slack, the cost of taking no lock on the send path. Not
            // disposed for the same reason (it holds no timer): that caller must not throw.
            _ = entry.Value.IdleDuration is not null && _buckets.TryRemove(entry);
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}
