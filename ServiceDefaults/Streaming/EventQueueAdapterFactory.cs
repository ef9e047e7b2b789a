using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Streams;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// The event streams' queue adapter (<see cref="EventStreamProvider.Queue"/>): Orleans' persistent
/// stream machinery (pulling agents, pub-sub, cache, delivery to grains and clients) over
/// <see cref="IEventQueueGrain"/>s whose reads wait for events instead of being polled. Silos read
/// the queues; cluster clients only publish through it.
/// </summary>
public sealed class EventQueueAdapterFactory : IQueueAdapterFactory, IQueueAdapter
{
    private readonly IGrainFactory _grains;
    private readonly TimeSpan _idleWait;
    private readonly HashRingBasedStreamQueueMapper _mapper;
    private readonly EventQueueAdapterCache _cache;
    private readonly ConcurrentDictionary<QueueId, IEventQueueGrain> _queues = new();

    public EventQueueAdapterFactory(
        string name,
        EventStreamOptions options,
        HashRingStreamQueueMapperOptions mapperOptions,
        SimpleQueueCacheOptions cacheOptions,
        IGrainFactory grains,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        Name = name;
        _grains = grains;
        _idleWait = options.IdleWait;
        _mapper = new HashRingBasedStreamQueueMapper(mapperOptions, name);
        _cache = new EventQueueAdapterCache(cacheOptions.CacheSize, options.CacheRetention, time, name, loggers);
    }

    public string Name { get; }

    /// <summary>As memory streams: the agent's cache serves a subscriber's token, and consumers drop a batch delivered twice.</summary>
    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <summary>Builds the adapter of the provider named <paramref name="name"/> from its named options.</summary>
    public static EventQueueAdapterFactory Create(IServiceProvider services, string name, EventStreamOptions options) => new(
        name,
        options,
        services.GetOptionsByName<HashRingStreamQueueMapperOptions>(name),
        services.GetOptionsByName<SimpleQueueCacheOptions>(name),
        services.GetRequiredService<IGrainFactory>(),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetRequiredService<ILoggerFactory>());

    /// <summary>The key of queue <paramref name="queueNumber"/> of provider <paramref name="provider"/>.</summary>
    public static string QueueKey(string provider, uint queueNumber) => $"{provider}/{queueNumber}";

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new EventQueueReceiver(Queue(queueId), _idleWait);

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        // The queue numbers the batches; a publisher's own token has no place in that order.
        if (token is not null)
        {
            throw new ArgumentException("The event streams do not take a publisher's sequence token.", nameof(token));
        }

        object[] items = [.. events.Cast<object>()];
        return Queue(_mapper.GetQueueForStream(streamId)).Enqueue(new QueuedEvents(streamId, items, requestContext, SequenceNumber: 0));
    }

    private IEventQueueGrain Queue(QueueId queueId) =>
        _queues.GetOrAdd(queueId, static (id, self) => self._grains.GetGrain<IEventQueueGrain>(QueueKey(self.Name, id.GetNumericId())), this);
}
