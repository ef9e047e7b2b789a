using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace ChatOrleans.Tests.Streaming;

/// <summary>
/// The pulling agent's cache of the event queues: what it read stays for the retention, so a
/// subscription whose handshake ends after its first event was read still starts at that event,
/// and an idle cursor whose token the cache has purged past (only other streams' events were
/// purged) still moves to its stream's next event; Orleans' simple cache refuses that move and
/// fails the agent's read.
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
        var cache = new EventQueueCache(10, TimeSpan.Zero, TimeProvider.System, NullLogger.Instance);
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

    [Fact]
    public void AnEventNoCursorStandsBehindStaysForTheRetentionAndAStartingCursorGetsIt()
    {
        var time = new FakeTimeProvider();
        var cache = new EventQueueCache(100, TimeSpan.FromSeconds(5), time, NullLogger.Instance);
        cache.AddToCache([Batch(Busy, 101)]);

        // The agent purges at every read; the subscription's handshake is still under way.
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(cache.TryPurgeFromCache(out _));

        // The handshake ends: the cursor starts at the event noted as the subscription's start.
        using var late = cache.GetCacheCursor(Busy, Token(101));
        Assert.True(late.MoveNext());
        Assert.Equal(101, late.GetCurrent(out _)!.SequenceToken.SequenceNumber);
        Assert.False(late.MoveNext());
    }

    [Fact]
    public void WithoutRetentionTheSameEventIsPurgedAtTheNextRead()
    {
        // What the retention is for: the simple cache's own behaviour loses the subscription's start.
        var cache = new EventQueueCache(100, TimeSpan.Zero, new FakeTimeProvider(), NullLogger.Instance);
        cache.AddToCache([Batch(Busy, 101)]);

        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([101L], purged.Select(b => b.SequenceToken.SequenceNumber));
        using var late = cache.GetCacheCursor(Busy, Token(101));
        Assert.False(late.MoveNext());
    }

    [Fact]
    public void WhatWasAddedLongerThanTheRetentionAgoIsPurged()
    {
        var time = new FakeTimeProvider();
        var cache = new EventQueueCache(10, TimeSpan.FromSeconds(5), time, NullLogger.Instance);
        cache.AddToCache([Batch(Busy, 101)]);
        time.Advance(TimeSpan.FromSeconds(3));
        cache.AddToCache([Batch(Busy, 102)]);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([101L], purged.Select(b => b.SequenceToken.SequenceNumber));

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(cache.TryPurgeFromCache(out purged));
        Assert.Equal([102L], purged.Select(b => b.SequenceToken.SequenceNumber));
        Assert.Equal(0, cache.Size);
    }

    [Fact]
    public void RetentionKeepsAtMostHalfTheCacheSoItNeverPutsTheCacheUnderPressure()
    {
        // Twenty entries: purge buckets of two.
        var cache = new EventQueueCache(20, TimeSpan.FromMinutes(1), new FakeTimeProvider(), NullLogger.Instance);
        for (var seq = 101; seq <= 118; seq++)
        {
            cache.AddToCache([Batch(Busy, seq)]);
            cache.TryPurgeFromCache(out _);
            Assert.False(cache.IsUnderPressure());
        }

        Assert.InRange(cache.Size, 1, 11);
        using var cursor = cache.GetCacheCursor(Busy, Token(118));
        Assert.True(cursor.MoveNext());
        Assert.Equal(118, cursor.GetCurrent(out _)!.SequenceToken.SequenceNumber);
    }

    private static EventSequenceTokenV2 Token(long sequenceNumber) => new(sequenceNumber);

    private static QueuedEvents Batch(StreamId stream, long sequenceNumber) => new(stream, ["event"], null, sequenceNumber);
}
