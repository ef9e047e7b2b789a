using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// The pulling agent's cache of one queue: Orleans' <see cref="SimpleQueueCache"/>, whose cursors do
/// not fail on a purge that took nothing of their stream. An idle cursor keeps the token it was
/// last set at; once the cache has purged past that token (other streams' events, read and
/// delivered), the simple cache refuses to move the cursor to its stream's next event, and the
/// agent's read fails there, for that stream, at every read. Such a cursor missed nothing: the agent
/// refreshes every idle cursor of a stream as soon as an event of that stream is read. So the
/// cursor starts again at that event instead.
/// </summary>
internal sealed class EventQueueCache(int cacheSize, ILogger logger) : SimpleQueueCache(cacheSize, logger)
{
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
internal sealed class EventQueueAdapterCache(int cacheSize, string providerName, ILoggerFactory loggers) : IQueueAdapterCache
{
    public IQueueCache CreateQueueCache(QueueId queueId) =>
        new EventQueueCache(cacheSize, loggers.CreateLogger($"{typeof(EventQueueCache).FullName}.{providerName}.{queueId}"));
}
