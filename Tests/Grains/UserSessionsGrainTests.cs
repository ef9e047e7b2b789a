using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Grains;

/// <summary>A user's connected sessions: one per device, evicted least recently active first.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class UserSessionsGrainTests(ClusterFixture fixture)
{
    private IUserSessionsGrain NewUser() => fixture.Grains.GetGrain<IUserSessionsGrain>("u_" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task PastTheLimitTheLeastRecentlyActiveOtherSessionIsEvicted()
    {
        var sessions = NewUser();
        Assert.Empty(await sessions.Connect("a", "s-a", maxDevices: 3));
        Assert.Empty(await sessions.Connect("b", "s-b", maxDevices: 3));
        Assert.Empty(await sessions.Connect("c", "s-c", maxDevices: 3));

        // a was first but is active since; b is now the least recently active.
        await sessions.Active("a", "s-a");
        await UntilAsync(async () => (await sessions.GetSessions())[^1].DeviceId == "a");
        var evicted = await sessions.Connect("d", "s-d", maxDevices: 3);

        Assert.Equal(("b", "s-b"), (Assert.Single(evicted).DeviceId, evicted[0].SessionId));
        Assert.Equal(new[] { "c", "a", "d" }, (await sessions.GetSessions()).Select(s => s.DeviceId));
    }

    [Fact]
    public async Task AReconnectingDeviceCountsOnceAndItsOldSessionNoLongerCounts()
    {
        var sessions = NewUser();
        await sessions.Connect("a", "s-a1", maxDevices: 2);
        await sessions.Connect("b", "s-b", maxDevices: 2);

        Assert.Empty(await sessions.Connect("a", "s-a2", maxDevices: 2));

        // Late reports of the replaced session change nothing.
        await sessions.Active("a", "s-a1");
        await sessions.Disconnect("a", "s-a1");
        await sessions.Active("b", "s-b");
        await UntilAsync(async () => (await sessions.GetSessions())[^1].DeviceId == "b");
        var known = await sessions.GetSessions();
        Assert.Equal(new[] { ("a", "s-a2"), ("b", "s-b") }, known.Select(s => (s.DeviceId, s.SessionId)));

        await sessions.Disconnect("a", "s-a2");
        Assert.Equal("b", Assert.Single(await sessions.GetSessions()).DeviceId);
    }

    [Fact]
    public async Task ActivityOfASessionItDoesNotKnowAddsIt()
    {
        // As after the grain was lost with a silo: live sessions come back as they report activity.
        var sessions = NewUser();
        await sessions.Active("a", "s-a");
        await UntilAsync(async () => (await sessions.GetSessions()).Count == 1);
        var known = Assert.Single(await sessions.GetSessions());
        Assert.Equal(("a", "s-a"), (known.DeviceId, known.SessionId));
        Assert.True(known.LastActiveAt >= known.ConnectedAt);
    }

    /// <summary>Active is one-way: waits until its effect shows.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
