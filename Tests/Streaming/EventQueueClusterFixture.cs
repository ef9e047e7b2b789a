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

/// <summary>A subscriber that is busy while its subscription's handshake would run.</summary>
[Alias("ChatOrleans.Tests.IBusySubscriberProbeGrain")]
public interface IBusySubscriberProbeGrain : IGrainWithStringKey
{
    /// <summary>Subscribes to stream <c>probe/key</c>, then holds this turn until the test releases it.</summary>
    [Alias("SubscribeAndStayBusy")]
    Task SubscribeAndStayBusy();
}

public sealed class BusySubscriberProbeGrain : Grain, IBusySubscriberProbeGrain
{
    private static readonly ConcurrentDictionary<string, BusySubscriberSignals> AllSignals = new(StringComparer.Ordinal);

    /// <summary>What the grain of <paramref name="key"/> tells the test and hears from it (the cluster is in this process).</summary>
    public static BusySubscriberSignals Signals(string key) => AllSignals.GetOrAdd(key, _ => new BusySubscriberSignals());

    public async Task SubscribeAndStayBusy()
    {
        var key = this.GetPrimaryKeyString();
        var signals = Signals(key);
        var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<string>(StreamId.Create("probe", key));
        await stream.SubscribeAsync((item, _) =>
        {
            signals.Receive(item);
            return Task.CompletedTask;
        });
        signals.Subscribed.TrySetResult();
        await signals.Release.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

public sealed class BusySubscriberSignals
{
    private readonly ConcurrentQueue<string> _all = new();

    public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first event the subscriber got.</summary>
    public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> All => [.. _all];

    public void Receive(string item)
    {
        _all.Enqueue(item);
        Received.TrySetResult(item);
    }
}

[CollectionDefinition(Name)]
public sealed class EventQueueClusterCollection : ICollectionFixture<EventQueueClusterFixture>
{
    public const string Name = "event queues";
}
