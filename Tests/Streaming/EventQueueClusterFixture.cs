using System.Collections.Concurrent;
using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults.Streaming;
using Microsoft.Extensions.Configuration;
using Orleans.Streams;
using Orleans.TestingHost;

namespace ChatOrleans.Tests.Streaming;

/// <summary>
/// Two silos and a client with the event streams' queue provider alone (pub-sub in memory), a short
/// idle wait and a small queue capacity. A call filter on the silos counts, per queue, the waiting
/// reads that came back empty, so a test can wait until a queue has really sat idle.
/// </summary>
public sealed class EventQueueClusterFixture : IAsyncLifetime
{
    public const int Queues = 4;
    public const int QueueCapacity = 500;

    private static readonly ConcurrentDictionary<string, int> IdleReads = new(StringComparer.Ordinal);

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    /// <summary>The keys of the provider's queue grains.</summary>
    public static IReadOnlyList<string> QueueKeys { get; } = [.. Enumerable.Range(0, Queues).Select(i => EventQueueAdapterFactory.QueueKey(StreamNames.Provider, (uint)i))];

    public static int IdleReadsOf(string queueKey) => IdleReads.GetValueOrDefault(queueKey);

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventStreams:Queues"] = Queues.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EventStreams:IdleWait"] = "00:00:00.2",
            ["EventStreams:QueueCapacity"] = QueueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.PubSub);
            silo.AddChatEventStreams(configuration);
            silo.AddIncomingGrainCallFilter(CountIdleReads);
        });
        builder.ConfigureClient(client => client.AddChatEventStreams(configuration));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public Task DisposeAsync() => Cluster.DisposeAsync().AsTask();

    public IAsyncStream<string> Stream(string key) =>
        Client.GetStreamProvider(StreamNames.Provider).GetStream<string>(StreamId.Create("probe", key));

    private static async Task CountIdleReads(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        if (context.InterfaceMethod.Name == nameof(IEventQueueGrain.WaitForEvents) && context.Result is false)
        {
            IdleReads.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, n) => n + 1);
        }
    }
}

/// <summary>Publishes from a silo, as the chat grains do.</summary>
[Alias("ChatOrleans.Tests.IEventPublisherProbeGrain")]
public interface IEventPublisherProbeGrain : IGrainWithStringKey
{
    /// <summary>Publishes <paramref name="count"/> numbers (as text) from <paramref name="first"/> to stream <c>probe/key</c>, one publish each, in order.</summary>
    [Alias("Publish")]
    Task Publish(string key, int first, int count);
}

public sealed class EventPublisherProbeGrain : Grain, IEventPublisherProbeGrain
{
    public async Task Publish(string key, int first, int count)
    {
        var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<string>(StreamId.Create("probe", key));
        for (var i = first; i < first + count; i++)
        {
            await stream.OnNextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EventQueueClusterCollection : ICollectionFixture<EventQueueClusterFixture>
{
    public const string Name = "event queues";
}
