using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace ChatOrleans.Tests.Streaming;

/// <summary>
/// The pulling agent's cache of the event queues: an idle cursor whose token the cache has purged
/// past (only other streams' events were purged) still moves to its stream's next event; Orleans'
/// simple cache refuses that move and fails the agent's read.
/// </summary>
#pragma warning disable CS0618 // The cursor calls the pulling agent makes (Orleans marks them obsolete).
public sealed class EventQueueCacheTests
{
    private static readonly StreamId Idle = StreamId.Create("probe", "idle");
    private static readonly StreamId Busy = StreamId.Create("probe", "busy");

    [Fact]
    public void AnIdleCursorReachesItsStreamsNextEventAfterThePurgeOfOtherStreams()
    {
        // Ten entries: one per purge bucket, so each read-and-delivered event can be purged on its own.
        var cache = new EventQueueCache(10, NullLogger.Instance);
        using var idle = cache.GetCacheCursor(Idle, Token(100));

        cache.AddToCache([Batch(Busy, 101)]);
        using var busy = cache.GetCacheCursor(Busy, Token(101));
        Assert.True(busy.MoveNext());
        Assert.False(busy.MoveNext());
        cache.AddToCache([Batch(Busy, 102)]);
        busy.Refresh(Token(102));
        Assert.True(busy.MoveNext());
        Assert.False(busy.MoveNext());
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal(2, purged.Count);

        cache.AddToCache([Batch(Idle, 103)]);
        idle.Refresh(Token(103));

        Assert.True(idle.MoveNext());
        Assert.Equal(103, idle.GetCurrent(out var exception)!.SequenceToken.SequenceNumber);
        Assert.Null(exception);
        Assert.False(idle.MoveNext());
    }

    [Fact]
    public void OrleansSimpleCacheRefusesTheSameMove()
    {
        // What the cache above exists for: the same steps fail on the cache it builds on.
        var cache = new SimpleQueueCache(10, NullLogger.Instance);
        using var idle = cache.GetCacheCursor(Idle, Token(100));
        cache.AddToCache([Batch(Busy, 101)]);
        using var busy = cache.GetCacheCursor(Busy, Token(101));
        Assert.True(busy.MoveNext());
        Assert.False(busy.MoveNext());
        Assert.True(cache.TryPurgeFromCache(out _));

        cache.AddToCache([Batch(Idle, 103)]);
        Assert.Throws<QueueCacheMissException>(() => idle.Refresh(Token(103)));
    }

    private static EventSequenceTokenV2 Token(long sequenceNumber) => new(sequenceNumber);

    private static QueuedEvents Batch(StreamId stream, long sequenceNumber) => new(stream, ["event"], null, sequenceNumber);
}
