using ChatOrleans.ServiceDefaults.Streaming;
using ChatOrleans.Tests.Grains;

namespace ChatOrleans.Tests.Streaming;

/// <summary>
/// The event streams' queue provider: a read of an empty queue waits for the next event instead of
/// polling, and what streams promise holds over it (each stream in order, every event to every
/// subscriber on another silo or a client, after an idle queue too, and across resubscription).
/// </summary>
[Collection(EventQueueClusterCollection.Name)]
public sealed class EventQueueStreamTests(EventQueueClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = GrainTestHelpers.Timeout;

    [Fact]
    public async Task EventsPublishedOnSilosReachAClientSubscriberInOrderForEveryStream()
    {
        var keys = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var probes = new List<StreamProbe<string>>();
        foreach (var key in keys)
        {
            var probe = new StreamProbe<string>();
            await probe.AttachAsync(fixture.Stream(key));
            probes.Add(probe);
        }

        // Streams spread over every queue, each published by its own grain at once.
        await Task.WhenAll(keys.Select(k => fixture.Client.GetGrain<IEventPublisherProbeGrain>(k).Publish(k, 1, 50)));

        for (var i = 0; i < keys.Length; i++)
        {
            await probes[i].WaitFor<string>(n => n == "50");
            Assert.Equal(Numbers(1, 50), probes[i].Events);
            await probes[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task AnEventPublishedAfterEveryQueueSatIdleIsDelivered()
    {
        var key = Guid.NewGuid().ToString("N");
        await using var probe = new StreamProbe<string>();
        await probe.AttachAsync(fixture.Stream(key));
        await fixture.Client.GetGrain<IEventPublisherProbeGrain>(key).Publish(key, 1, 1);
        await probe.WaitFor<string>(n => n == "1");

        // Every queue's waiting read expires at least twice with nothing to read: the queues are idle.
        var before = EventQueueClusterFixture.QueueKeys.ToDictionary(q => q, EventQueueClusterFixture.IdleReadsOf);
        await WaitUntil(() => EventQueueClusterFixture.QueueKeys.All(q => EventQueueClusterFixture.IdleReadsOf(q) >= before[q] + 2));

        await fixture.Client.GetGrain<IEventPublisherProbeGrain>(key).Publish(key, 2, 1);
        await probe.WaitFor<string>(n => n == "2");
        Assert.Equal(["1", "2"], probe.Events);
    }

    [Fact]
    public async Task AResumedSubscriptionDeliversLaterEventsToItsNewObserverOnly()
    {
        var key = Guid.NewGuid().ToString("N");
        var stream = fixture.Stream(key);
        var first = new StreamProbe<string>();
        await first.AttachAsync(stream);
        var publisher = fixture.Client.GetGrain<IEventPublisherProbeGrain>(key);
        await publisher.Publish(key, 1, 1);
        await first.WaitFor<string>(n => n == "1");

        var handles = await stream.GetAllSubscriptionHandles();
        var handle = Assert.Single(handles);
        var second = new StreamProbe<string>();
        await handle.ResumeAsync(second);
        await publisher.Publish(key, 2, 2);

        await second.WaitFor<string>(n => n == "3");
        Assert.Equal(["2", "3"], second.Events);
        Assert.Equal(["1"], first.Events);
        await (await stream.GetAllSubscriptionHandles()).Single().UnsubscribeAsync();
    }

    [Fact]
    public async Task ANewSubscriptionAfterUnsubscribingGetsTheEventsPublishedFromThenOn()
    {
        var key = Guid.NewGuid().ToString("N");
        var publisher = fixture.Client.GetGrain<IEventPublisherProbeGrain>(key);
        var first = new StreamProbe<string>();
        await first.AttachAsync(fixture.Stream(key));
        await publisher.Publish(key, 1, 1);
        await first.WaitFor<string>(n => n == "1");
        await first.DisposeAsync();

        await using var second = new StreamProbe<string>();
        await second.AttachAsync(fixture.Stream(key));
        await publisher.Publish(key, 2, 3);

        await second.WaitFor<string>(n => n == "4");
        Assert.Equal(["2", "3", "4"], second.Events);
        Assert.Equal(["1"], first.Events);
    }

    [Fact]
    public async Task ASubscriberWhoseHandshakeEndsAfterItsFirstEventWasReadAndPurgedStillGetsIt()
    {
        // The stream is known to its agent (a client follows it), so a new subscription waits for its
        // handshake: a call to the subscriber, here a grain that holds its turn until released.
        var key = Guid.NewGuid().ToString("N");
        var publisher = fixture.Client.GetGrain<IEventPublisherProbeGrain>(key);
        await using var follower = new StreamProbe<string>();
        await follower.AttachAsync(fixture.Stream(key));
        await publisher.Publish(key, 0, 1);
        await follower.WaitFor<string>(n => n == "0");

        var signals = BusySubscriberProbeGrain.Signals(key);
        var busy = fixture.Client.GetGrain<IBusySubscriberProbeGrain>(key).SubscribeAndStayBusy();
        await signals.Subscribed.Task.WaitAsync(Timeout);
        await publisher.Publish(key, 1, 1);
        await follower.WaitFor<string>(n => n == "1");

        // Every queue reads twice more and finds nothing: each read purged what no cursor needs.
        var before = EventQueueClusterFixture.QueueKeys.ToDictionary(q => q, EventQueueClusterFixture.IdleReadsOf);
        await WaitUntil(() => EventQueueClusterFixture.QueueKeys.All(q => EventQueueClusterFixture.IdleReadsOf(q) >= before[q] + 2));

        signals.Release.TrySetResult();
        await busy.WaitAsync(Timeout);
        Assert.Equal("1", await signals.Received.Task.WaitAsync(Timeout));
        Assert.Equal(["1"], signals.All);
    }

    [Fact]
    public async Task AWaitingReadIsAnsweredByTheNextEnqueueAndTheEventsAreTakenOnceInOrder()
    {
        var queue = fixture.Client.GetGrain<IEventQueueGrain>($"test/{Guid.NewGuid():N}");
        using var cancellation = new CancellationTokenSource(Timeout);
        var waiting = queue.WaitForEvents(TimeSpan.FromSeconds(9), cancellation.Token);

        await queue.Enqueue(Batch(1));
        await queue.Enqueue(Batch(2));

        Assert.True(await waiting.WaitAsync(Timeout));
        var taken = await queue.Dequeue(10);
        Assert.Equal(["1", "2"], taken.Select(b => (string)Assert.Single(b.Events)));
        Assert.True(taken[0].SequenceNumber < taken[1].SequenceNumber);
        Assert.Empty(await queue.Dequeue(10));
        Assert.False(await queue.WaitForEvents(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task AFullQueueRefusesTheNextEventAndKeepsWhatItHolds()
    {
        var queue = fixture.Client.GetGrain<IEventQueueGrain>($"test/{Guid.NewGuid():N}");
        for (var i = 0; i < EventQueueClusterFixture.QueueCapacity; i++)
        {
            await queue.Enqueue(Batch(i));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.Enqueue(Batch(-1)));
        var taken = await queue.Dequeue(EventQueueClusterFixture.QueueCapacity + 1);
        Assert.Equal(Numbers(0, EventQueueClusterFixture.QueueCapacity), taken.Select(b => (string)b.Events[0]));
    }

    private static QueuedEvents Batch(int value) => new(StreamId.Create("probe", "direct"), [Number(value)], null, 0);

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<string> Numbers(int first, int count) => Enumerable.Range(first, count).Select(Number);

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
