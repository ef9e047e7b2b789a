using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Notifications;
using ChatOrleans.Grains.Observability;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOrleans.Grains.Hosting;

/// <summary>What every silo that hosts chat grains needs, whatever the profile.</summary>
public static class ChatSiloExtensions
{
    /// <summary>
    /// Registers the chat grains' options and services and the event streams. The streams' queues
    /// are in memory (see <see cref="EventStreamOptions"/> for the provider and its settings); the
    /// stream subscriptions' storage (<see cref="StorageNames.PubSub"/>) comes with the profile's storage.
    /// </summary>
    public static ISiloBuilder AddChatGrains(this ISiloBuilder builder, IConfiguration configuration)
    {
        builder.Services.AddValidatedOptions<ChatOptions, ChatOptionsValidator>(configuration, ChatOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddChatMetrics();
        builder.AddIncomingGrainCallFilter<GrainCallCounter>();
        builder.AddChatNotifications(configuration);

        builder.AddChatEventStreams(configuration);
        return builder;
    }
}
