using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// The pulling agent's cache of one queue: Orleans' <see cref="SimpleQueueCache"/> with two changes.
/// <para>
/// It keeps what it read for <see cref="EventStreamOptions.CacheRetention"/>. A subscription is added
/// to the agent before <c>SubscribeAsync</c> returns, but its cursor is made only after the agent's
/// handshake with the subscriber, a call to it; an event of the stream read in between is noted as the
/// subscription's start. The simple cache purges every event no cursor stands behind, so under load
/// that event was often gone by the end of the handshake, and the subscriber never got it (a device
/// that had just connected missed a message until the next one).
/// </para>
/// <para>
/// Its cursors do not fail on a purge that took nothing of their stream. An idle cursor keeps the
/// token it was last set at; once the cache has purged past that token (other streams' events, read
/// and delivered), the simple cache refuses to move the cursor to its stream's next event, and the
/// agent's read fails there, for that stream, at every read. Such a cursor missed nothing: the agent
/// refreshes every idle cursor of a stream as soon as an event of that stream is read. So the
/// cursor starts again at that event instead.
/// </para>
/// </summary>
internal sealed class EventQueueCache : SimpleQueueCache
{
    /// <summary>The stream of the cursor that holds retained events; no publisher uses its namespace.</summary>
    private static readonly StreamId HoldStream = StreamId.Create("chatorleans-cache-retention", "hold");

    private readonly TimeSpan _retention;
    private readonly int _maxRetained;
    private readonly TimeProvider _time;

    // The events read since the oldest one still held, oldest first, with when each was added.
    private readonly Queue<(StreamSequenceToken Token, long AddedAt)> _retained = new();

    // A cursor of no real stream at the oldest held event: the simple cache purges only the events
    // older than every cursor, so this one keeps the rest for a subscription still in its handshake.
    private IQueueCacheCursor? _hold;
    private long _holdMovedAt;

    public EventQueueCache(int cacheSize, TimeSpan retention, TimeProvider time, ILogger logger)
        : base(cacheSize, logger)
    {
        _retention = retention;
        _maxRetained = cacheSize / 2;
        _time = time;
    }

    public override void AddToCache(IList<IBatchContainer> messages)
    {
        base.AddToCache(messages);
        if (_retention <= TimeSpan.Zero)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var message in messages)
        {
            _retained.Enqueue((message.SequenceToken, now));
        }

        if (_hold is null)
        {
            MoveHold(now);
        }
    }

    public override bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        if (_retained.Count > 0)
        {
            // Moved a few times a retention period, not at every read: placing a cursor walks the cache.
            var now = _time.GetTimestamp();
            if (_retained.Count > _maxRetained || _time.GetElapsedTime(_holdMovedAt, now) >= _retention / 4)
            {
                MoveHold(now);
            }
        }

        return base.TryPurgeFromCache(out purgedItems);
    }

    /// <summary>Lets go of what was added longer than the retention ago (or beyond half the cache) and holds the rest.</summary>
    private void MoveHold(long now)
    {
        while (_retained.Count > 0 && (_retained.Count > _maxRetained || _time.GetElapsedTime(_retained.Peek().AddedAt, now) >= _retention))
        {
            _retained.Dequeue();
        }

        _hold?.Dispose();
        _hold = null;
        _holdMovedAt = now;
        while (_retained.Count > 0 && _hold is null)
        {
            try
            {
                _hold = SimpleCursor(HoldStream, _retained.Peek().Token);
            }
            catch (QueueCacheMissException)
            {
                // Purged before it was held (read while nothing held the cache): nothing to keep.
                _retained.Dequeue();
            }
        }
    }

    // Orleans marks the throwing cursor calls obsolete in favour of result-returning ones; the
    // simple cache still implements only these, and the default TryGetCacheCursor calls this one.
#pragma warning disable CS0618
    [Obsolete("Use IQueueCache.TryGetCacheCursor instead.")]
    public override IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token) =>
        new Cursor(this, streamId, base.GetCacheCursor(streamId, token));

    private IQueueCacheCursor SimpleCursor(StreamId streamId, StreamSequenceToken token) => base.GetCacheCursor(streamId, token);
#pragma warning restore CS0618

    private sealed class Cursor(EventQueueCache cache, StreamId streamId, IQueueCacheCursor inner) : IQueueCacheCursor
    {
        private IQueueCacheCursor _inner = inner;

        public IBatchContainer? GetCurrent(out Exception? exception) => _inner.GetCurrent(out exception);

        public QueueCacheCursorMoveResult MoveNextWithResult() => _inner.MoveNextWithResult();

#pragma warning disable CS0618
        [Obsolete("Use MoveNextWithResult instead.")]
        public bool MoveNext() => _inner.MoveNext();
#pragma warning restore CS0618

        public void Refresh(StreamSequenceToken token)
        {
            try
            {
                _inner.Refresh(token);
            }
            catch (QueueCacheMissException)
            {
                _inner.Dispose();
                _inner = cache.SimpleCursor(streamId, token);
            }
        }

        public void RecordDeliveryFailure() => _inner.RecordDeliveryFailure();

        public void Dispose() => _inner.Dispose();
    }
}

/// <summary>Creates an <see cref="EventQueueCache"/> per queue.</summary>
internal sealed class EventQueueAdapterCache(int cacheSize, TimeSpan retention, TimeProvider time, string providerName, ILoggerFactory loggers) : IQueueAdapterCache
{
    public IQueueCache CreateQueueCache(QueueId queueId) =>
        new EventQueueCache(cacheSize, retention, time, loggers.CreateLogger($"{typeof(EventQueueCache).FullName}.{providerName}.{queueId}"));
}
