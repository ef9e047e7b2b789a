using ChatOrleans.Gateway.WebSockets;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Tests.Gateway;

/// <summary>The edge's budgets on their own: sends per device and per user, and the cap on error logs.</summary>
[Trait("Category", "Unit")]
public sealed class EdgeBudgetTests
{
    [Fact]
    public void ADeviceOverItsOwnBudgetSpendsNoneOfItsUsersAndTheUserBudgetSpansDevices()
    {
        using var limiter = new SendRateLimiter(Options.Create(new GatewayOptions
        {
            SendBurst = 3,
            SendsPerSecond = 1,
            UserSendBurst = 5,
            UserSendsPerSecond = 1,
        }));

        // Device a: 3 of its own, then refused by its own bucket (the user's keeps 2).
        Assert.All(Enumerable.Range(0, 3), i => Assert.Null(limiter.TryAcquire("u1", "u1/a")));
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(limiter.TryAcquire("u1", "u1/a"));
        }

        // Device b: the user's 2 left, then refused by the user's bucket with a wait to tell.
        Assert.Null(limiter.TryAcquire("u1", "u1/b"));
        Assert.Null(limiter.TryAcquire("u1", "u1/b"));
        var retryAfter = limiter.TryAcquire("u1", "u1/b");
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter > TimeSpan.Zero);

        // Another user is not affected.
        Assert.Null(limiter.TryAcquire("u2", "u2/a"));
    }

    [Fact]
    public void ErrorLogsAreCappedPerGatewayAndTheRestCounted()
    {
        using var throttle = new ErrorLogThrottle(Options.Create(new GatewayOptions { ErrorLogsPerMinute = 3 }));

        var allowed = Enumerable.Range(0, 1_000).Count(i => throttle.TryLog(out _));

        Assert.Equal(3, allowed);
    }
}
