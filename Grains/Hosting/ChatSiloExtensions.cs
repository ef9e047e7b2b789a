using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Notifications;
using ChatOrleans.Grains.Observability;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOrleans.Grains.Hosting;

/// <summary>What every silo that hosts chat grains needs, whatever the profile.</summary>
public static class ChatSiloExtensions
{
    /// <summary>
    /// Registers the chat grains' options and services and the event streams. The stream
    /// provider is in-memory here; its pulling period is the floor of fan-out latency, so it is
    /// short (see <see cref="EventStreamOptions"/>). The stream subscriptions' storage
    /// (<see cref="StorageNames.PubSub"/>) comes with the profile's storage.
    /// </summary>
    public static ISiloBuilder AddChatGrains(this ISiloBuilder builder, IConfiguration configuration)
    {
        builder.Services.AddValidatedOptions<ChatOptions, ChatOptionsValidator>(configuration, ChatOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddChatMetrics();
        builder.AddIncomingGrainCallFilter<GrainCallCounter>();
        builder.AddChatNotifications(configuration);

        // Read now, not at start: the queue count shapes the provider being registered.
        var streams = ValidatedOptions.Read<EventStreamOptions, EventStreamOptionsValidator>(configuration, EventStreamOptions.SectionName);
        builder.AddMemoryStreams(StreamNames.Provider, b =>
        {
            b.ConfigurePartitioning(streams.Queues);
            b.ConfigurePullingAgent(o => o.Configure(a => a.GetQueueMsgsTimerPeriod = streams.PollPeriod));
        });
        return builder;
    }
}
