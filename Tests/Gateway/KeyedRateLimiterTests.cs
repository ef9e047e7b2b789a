using ChatOrleans.Gateway.Auth;

namespace ChatOrleans.Tests.Gateway;

/// <summary>The per-key budgets of the auth edge: counting, reservations, and the cap on tracked keys.</summary>
[Trait("Category", "Unit")]
public sealed class KeyedRateLimiterTests
{
    [Fact]
    public void EachKeyHasItsOwnBudget()
    {
        using var limiter = KeyedRateLimiter.PerMinute(2, maxKeys: 100);

        Assert.Null(limiter.TryAcquire("a"));
        Assert.Null(limiter.TryAcquire("a"));
        var wait = limiter.TryAcquire("a");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        Assert.Null(limiter.TryAcquire("b"));
    }

    [Fact]
    public void ReservationsHoldAPermitUntilSpentOrGivenBack()
    {
        using var limiter = KeyedRateLimiter.PerMinute(2, maxKeys: 100);

        var first = limiter.TryReserve("a", out _);
        var second = limiter.TryReserve("a", out _);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(limiter.TryReserve("a", out var wait)); // both permits are held by attempts in flight
        Assert.True(wait > TimeSpan.Zero);

        first.Dispose(); // a success gives its permit back
        var third = limiter.TryReserve("a", out _);
        Assert.NotNull(third);
        second.Spend();
        third.Spend(); // two failures: the budget is spent
        Assert.Null(limiter.TryReserve("a", out _));
        Assert.Equal(1, limiter.TrackedKeys);
    }

    [Fact]
    public void PastTheCapUntrackedKeysShareOneBudgetAndNoMoreKeysAreTracked()
    {
        using var limiter = KeyedRateLimiter.PerMinute(1, maxKeys: 3);
        foreach (var key in new[] { "a", "b", "c" })
        {
            Assert.Null(limiter.TryAcquire(key));
        }

        Assert.Equal(3, limiter.TrackedKeys);

        // A spray of fresh keys: one gets the shared budget, the rest are refused, nothing grows.
        var allowed = Enumerable.Range(0, 1000).Count(i => limiter.TryAcquire($"fresh-{i}") is null);
        Assert.Equal(1, allowed);
        Assert.Equal(3, limiter.TrackedKeys);
        Assert.Null(limiter.TryReserve("fresh-x", out _));
    }

    [Fact]
    public void UntouchedKeysCostNoEntry()
    {
        using var limiter = KeyedRateLimiter.PerMinute(5, maxKeys: 10);

        using (var reservation = limiter.TryReserve("a", out _))
        {
            Assert.NotNull(reservation);
        }

        Assert.Equal(0, limiter.TrackedKeys);
    }
}
