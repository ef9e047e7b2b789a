using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// One System.Threading.RateLimiting limiter per key (a username, a client address, a user id),
/// with a hard cap on how many keys are tracked at once.
/// </summary>
/// <remarks>
/// The library's <see cref="PartitionedRateLimiter"/> keeps a partition for every key it ever
/// saw until it idles out, with no bound: a spray of fresh usernames would grow it freely. Here
/// the partitions live in one dictionary, one timer replenishes them all (no timer per key) and
/// drops the ones whose budget is whole again (an absent key has a whole budget). Once
/// <c>maxKeys</c> are tracked, keys not yet tracked share one overflow budget of the same size:
/// under such a spray the limit fails closed rather than open.
/// </remarks>
public sealed class KeyedRateLimiter : IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, ReplenishingRateLimiter> _partitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Func<ReplenishingRateLimiter> _create;
    private readonly ReplenishingRateLimiter _overflow;
    private readonly int _permitLimit;
    private readonly int _maxKeys;
    private readonly TimeSpan _fallbackRetryAfter;
    private readonly Timer _sweep;
    private int _count;

    private KeyedRateLimiter(Func<ReplenishingRateLimiter> create, int permitLimit, int maxKeys, TimeSpan fallbackRetryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        _create = create;
        _permitLimit = permitLimit;
        _maxKeys = maxKeys;
        _fallbackRetryAfter = fallbackRetryAfter;
        _overflow = create();
        _sweep = new Timer(_ => Sweep(), null, SweepPeriod, SweepPeriod);
    }

    /// <summary>At most <paramref name="perMinute"/> in any minute (six 10-second segments).</summary>
    public static KeyedRateLimiter PerMinute(int perMinute, int maxKeys)
    {
        const int segments = 6;
        return new KeyedRateLimiter(
            () => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = segments,
                QueueLimit = 0,
                AutoReplenishment = false,
            }),
            perMinute,
            maxKeys,
            TimeSpan.FromMinutes(1) / segments);
    }

    /// <summary><paramref name="perSecond"/> a second sustained, bursts of <paramref name="burst"/>.</summary>
    public static KeyedRateLimiter TokenBucket(int perSecond, int burst, int maxKeys) =>
        new(
            () => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            }),
            burst,
            maxKeys,
            TimeSpan.FromSeconds(1));

    /// <summary>How many keys are tracked now (for tests and metrics).</summary>
    public int TrackedKeys => Volatile.Read(ref _count);

    /// <summary>Spends one permit of <paramref name="key"/>: null when allowed, else how long to wait.</summary>
    public TimeSpan? TryAcquire(string key)
    {
        using var lease = Partition(key, create: true)!.AttemptAcquire(1);
        return lease.IsAcquired ? null : RetryAfter(lease);
    }

    /// <summary>
    /// Holds one permit of <paramref name="key"/> while an outcome is unknown (a password being
    /// checked): spent by <see cref="Reservation.Spend"/> (a failure), given back by disposing
    /// (a success). Concurrent attempts count against the budget while they run, so a flood of
    /// parallel guesses gets no more through than a sequence would. Null (with the wait) when no
    /// permit is left.
    /// </summary>
    public Reservation? TryReserve(string key, out TimeSpan retryAfter)
    {
        var partition = Partition(key, create: false);
        lock (_inFlight)
        {
            _inFlight.TryGetValue(key, out var running);
            var available = partition?.GetStatistics()?.CurrentAvailablePermits ?? _permitLimit;
            if (available - running <= 0)
            {
                using var probe = partition?.AttemptAcquire(0);
                retryAfter = probe is { IsAcquired: false } ? RetryAfter(probe) : _fallbackRetryAfter;
                return null;
            }

            _inFlight[key] = running + 1;
        }

        retryAfter = TimeSpan.Zero;
        return new Reservation(this, key);
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var partition in _partitions.Values)
        {
            partition.Dispose();
        }

        _overflow.Dispose();
    }

    private void Release(string key, bool spend)
    {
        // Spent before the hold ends, under the same lock: no reservation in between sees both gone.
        lock (_inFlight)
        {
            if (spend)
            {
                using var lease = Partition(key, create: true)!.AttemptAcquire(1);
            }

            if (_inFlight.TryGetValue(key, out var running) && running > 1)
            {
                _inFlight[key] = running - 1;
            }
            else
            {
                _inFlight.Remove(key);
            }
        }
    }

    private ReplenishingRateLimiter? Partition(string key, bool create)
    {
        if (_partitions.TryGetValue(key, out var existing))
        {
            return existing;
        }

        if (Volatile.Read(ref _count) >= _maxKeys)
        {
            return _overflow;
        }

        if (!create)
        {
            return null;
        }

        var created = _create();
        var partition = _partitions.GetOrAdd(key, created);
        if (ReferenceEquals(partition, created))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            created.Dispose();
        }

        return partition;
    }

    private TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : _fallbackRetryAfter;

    private void Sweep()
    {
        _overflow.TryReplenish();
        foreach (var entry in _partitions)
        {
            entry.Value.TryReplenish();
            // A whole budget is the same as no entry. A caller that fetched the partition just
            // before it left may spend one permit that is then forgotten: the cost of no lock here.
            if (entry.Value.IdleDuration is not null && _partitions.TryRemove(entry))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    /// <summary>A permit held while an attempt runs; see <see cref="TryReserve"/>.</summary>
    public sealed class Reservation(KeyedRateLimiter owner, string key) : IDisposable
    {
        private int _done;

        /// <summary>The attempt failed: the permit is spent.</summary>
        public void Spend()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Release(key, spend: true);
            }
        }

        /// <summary>The attempt succeeded (or never ran): the permit goes back.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Release(key, spend: false);
            }
        }
    }
}
