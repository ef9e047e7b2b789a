using ChatOrleans.Gateway.WebSockets;

namespace ChatOrleans.Tests.Gateway;

/// <summary>The edge's per-key token buckets: refilled when asked, with no timer per key, and forgotten once whole.</summary>
[Trait("Category", "Unit")]
public sealed class TokenBucketsTests
{
    [Fact]
    public async Task ASpentBucketRefillsWhenAskedAndIsForgottenOnceWhole()
    {
        using var buckets = new TokenBuckets(perSecond: 1_000, burst: 2);
        Assert.Null(buckets.TryAcquire("d1"));
        Assert.Null(buckets.TryAcquire("d1"));
        Assert.Equal(1, buckets.TrackedKeys);

        // Refilled by the time since the last ask: a token comes back without any sweep.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (buckets.TryAcquire("d1") is not null)
        {
            await Task.Delay(1, timeout.Token);
        }

        // Once whole again it is the same as no bucket, and the sweep drops it.
        while (buckets.TrackedKeys > 0)
        {
            await Task.Delay(1, timeout.Token);
            buckets.Sweep();
        }

        Assert.Null(buckets.TryAcquire("d1"));
    }

    [Fact]
    public void AnEmptyBucketRefusesWithAWaitAndOtherKeysAreNotAffected()
    {
        using var buckets = new TokenBuckets(perSecond: 1, burst: 1);
        Assert.Null(buckets.TryAcquire("d1"));
        var retryAfter = buckets.TryAcquire("d1");
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.Null(buckets.TryAcquire("d2"));

        // A bucket still short of tokens survives the sweep.
        buckets.Sweep();
        Assert.Equal(2, buckets.TrackedKeys);
    }
}
