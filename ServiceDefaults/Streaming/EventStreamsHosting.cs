using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace ChatOrleans.ServiceDefaults.Streaming;

/// <summary>
/// Registers the event streams (<see cref="StreamNames.Provider"/>) on a silo and on a cluster
/// client from the same <see cref="EventStreamOptions"/>, so both agree on the provider and on
/// which queue a stream maps to. Silos also need the queue grain (Grains) and the pub-sub storage.
/// </summary>
public static class EventStreamsHosting
{
    public static ISiloBuilder AddChatEventStreams(this ISiloBuilder builder, IConfiguration configuration)
    {
        // Read now, not at start: the provider and its queue count shape what is registered.
        var streams = ValidatedOptions.Read<EventStreamOptions, EventStreamOptionsValidator>(configuration, EventStreamOptions.SectionName);
        builder.Services.AddValidatedOptions<EventStreamOptions, EventStreamOptionsValidator>(configuration, EventStreamOptions.SectionName);
        if (streams.Provider == EventStreamProvider.Memory)
        {
            return builder.AddMemoryStreams(StreamNames.Provider, b =>
            {
                b.ConfigurePartitioning(streams.Queues);
                b.ConfigurePullingAgent(o => o.Configure(a => a.GetQueueMsgsTimerPeriod = streams.PollPeriod));
            });
        }

        return builder.AddPersistentStreams(StreamNames.Provider, (services, name) => EventQueueAdapterFactory.Create(services, name, streams), b =>
        {
            b.Configure<HashRingStreamQueueMapperOptions>(o => o.Configure(q => q.TotalQueueCount = streams.Queues));
            b.ConfigurePullingAgent(o => o.Configure(a => a.GetQueueMsgsTimerPeriod = streams.PollPeriod));
        });
    }

    public static IClientBuilder AddChatEventStreams(this IClientBuilder builder, IConfiguration configuration)
    {
        var streams = ValidatedOptions.Read<EventStreamOptions, EventStreamOptionsValidator>(configuration, EventStreamOptions.SectionName);
        if (streams.Provider == EventStreamProvider.Memory)
        {
            return builder.AddMemoryStreams(StreamNames.Provider, b => b.ConfigurePartitioning(streams.Queues));
        }

        return builder.AddPersistentStreams(
            StreamNames.Provider,
            (services, name) => EventQueueAdapterFactory.Create(services, name, streams),
            b => b.Configure<HashRingStreamQueueMapperOptions>(o => o.Configure(q => q.TotalQueueCount = streams.Queues)));
    }
}
