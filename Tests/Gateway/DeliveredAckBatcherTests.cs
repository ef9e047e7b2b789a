using ChatOrleans.Gateway.WebSockets;
using ChatOrleans.Tests.Grains;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatOrleans.Tests.Gateway;

/// <summary>The gateway's batching of unconfirmed <c>delivered</c> acks, against real grains and storage.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeliveredAckBatcherTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    private DeliveredAckBatcher NewBatcher(TimeSpan period, TimeProvider? time = null) =>
        new(Grains, Options.Create(new GatewayOptions { DeliveredAckDelay = period }), time ?? TimeProvider.System, NullLogger<DeliveredAckBatcher>.Instance);

    [Fact]
    public async Task AcksOfManyDevicesWaitForTheFlushThenLandAsTheHighestOfEach()
    {
        var sender = await Grains.CreateUser("a");
        var members = await Grains.CreateUsers(3, "m");
        var (chat, info) = await Grains.CreateGroup(sender, members);
        var devices = members.Select(m => Grains.GetGrain<IDeviceGrain>(ChatIds.DeviceKey(m.Id, "phone"))).ToArray();
        foreach (var device in devices)
        {
            await device.Connect("s_" + Guid.NewGuid().ToString("N"));
        }

        await chat.SendMany(sender, 6);

        // A period no test run reaches: only FlushAsync can send these.
        var batcher = NewBatcher(TimeSpan.FromHours(1));
        await batcher.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < members.Length; i++)
            {
                foreach (var seq in new long[] { 1, 2, 3 + i, 2 })
                {
                    batcher.Note(ChatIds.DeviceKey(members[i].Id, "phone"), info.ChatId, seq);
                }
            }

            // Connected before the messages: each position is still 0 until the flush.
            Assert.All(await Task.WhenAll(devices.Select(d => d.GetPositions())), p => Assert.Equal(0, p[info.ChatId]));

            await batcher.FlushAsync().WaitAsync(GrainTestHelpers.Timeout);

            var positions = await Task.WhenAll(devices.Select(d => d.GetPositions()));
            Assert.Equal([3L, 4L, 5L], positions.Select(p => p[info.ChatId]));
        }
        finally
        {
            await batcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AcksLandAfterThePeriodWithoutAFlushAndAReconnectStartsAfterThem()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var key = ChatIds.DeviceKey(b.Id, "laptop");
        var device = Grains.GetGrain<IDeviceGrain>(key);
        await device.Connect("s_" + Guid.NewGuid().ToString("N"));
        await chat.SendMany(a, 3);

        // The period passes on a clock of the test's own: nothing is sent before it, all of it after.
        var clock = new FakeTimeProvider();
        var period = TimeSpan.FromSeconds(5);
        var batcher = NewBatcher(period, clock);
        await batcher.StartAsync(CancellationToken.None);
        try
        {
            batcher.Note(key, info.ChatId, 2);
            batcher.Note(key, info.ChatId, 3);

            // The test's clock stands still: no period has passed, so nothing is stored.
            await Task.Yield();
            Assert.Equal(0, (await device.GetPositions())[info.ChatId]);

            // Each advance passes a whole period (the loop may arm its timer a moment after the start).
            var deadline = DateTime.UtcNow + GrainTestHelpers.Timeout;
            while ((await device.GetPositions())[info.ChatId] != 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "The batched acks never reached storage after the period.");
                clock.Advance(period);
                await Task.Delay(20);
            }

            // The next session of the device replays from there.
            var session = await device.Connect("s_" + Guid.NewGuid().ToString("N"));
            Assert.Equal(3, session.Positions[info.ChatId]);
        }
        finally
        {
            await batcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StoppingTheGatewaySendsWhatIsPending()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var key = ChatIds.DeviceKey(b.Id, "tablet");
        var device = Grains.GetGrain<IDeviceGrain>(key);
        await device.Connect("s_" + Guid.NewGuid().ToString("N"));
        await chat.SendMany(a, 2);

        var batcher = NewBatcher(TimeSpan.FromHours(1));
        await batcher.StartAsync(CancellationToken.None);
        batcher.Note(key, info.ChatId, 2);
        await batcher.StopAsync(CancellationToken.None);

        Assert.Equal(2, (await device.GetPositions())[info.ChatId]);
    }
}
