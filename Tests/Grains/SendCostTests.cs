using ChatOrleans.Grains.Hosting;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Grains;

/// <summary>
/// ARCHITECTURE.md, invariant 8: a send costs the same whatever else the sender is in. Counts the
/// grain calls one send causes, by interface and method, for a sender in one group and for a
/// sender in fifty groups of the same size, and compares them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SendCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int GroupSize = 10;
    private const int BusyChats = 50;

    private readonly TempDirectory _data = new();
    private readonly CallCounter _calls = new();
    private InProcessTestCluster _cluster = null!;

    private IClusterClient Client => _cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var dataPath = _data.Path;
        var calls = _calls;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddEmbeddedStorage(dataPath);
            silo.AddChatGrains(new ConfigurationBuilder().Build());
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(calls);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(StreamNames.Provider));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task ASendFromAMemberOfFiftyChatsMakesNoMoreGrainCallsThanOneFromAMemberOfOne()
    {
        var others = await Client.CreateUsers(GroupSize - 1, "member");
        var loner = await Client.CreateUser("loner");
        var busy = await Client.CreateUser("busy");
        var (lonerChat, _) = await Client.CreateGroup(loner, others);
        var busyChats = new List<IChatGrain>();
        for (var i = 0; i < BusyChats; i++)
        {
            busyChats.Add((await Client.CreateGroup(busy, others)).Chat);
        }

        var lonerCost = await CostOfOneSend(lonerChat, loner);
        var busyCost = await CostOfOneSend(busyChats[^1], busy);
        output.WriteLine($"member of 1: {lonerCost.Total} calls ({lonerCost})\nmember of {BusyChats}: {busyCost.Total} calls ({busyCost})");

        Assert.True(
            busyCost.Total <= lonerCost.Total,
            $"A send from a member of {BusyChats} chats made {busyCost.Total} grain calls, one from a member of 1 chat {lonerCost.Total}.\n" +
            $"member of {BusyChats}: {busyCost}\nmember of 1: {lonerCost}");
    }

    /// <summary>
    /// The calls of one send after a first one warmed everything up, each counted until the
    /// sender's read position moved (the last step of a send) and every other member's inbox was
    /// alerted.
    /// </summary>
    private async Task<SendCost> CostOfOneSend(IChatGrain chat, TestUser sender)
    {
        await using var user = await Client.SubscribeUser(sender.Id);
        await SendAndSettle(chat, sender, "warm-up", user);

        var before = _calls.Snapshot();
        await SendAndSettle(chat, sender, "counted", user);
        return SendCost.Between(before, _calls.Snapshot());
    }

    private async Task SendAndSettle(IChatGrain chat, TestUser sender, string text, StreamProbe<UserEvent> user)
    {
        var alerts = _calls.Snapshot().GetValueOrDefault(AlertKey);
        var sent = await chat.Send(sender, text);
        await user.WaitFor<ReadStateEvent>(e => e.State.ChatId == sent.ChatId && e.State.LastReadSeq == sent.Seq);
        await _calls.WaitForAsync(AlertKey, alerts + GroupSize - 1);
    }

    private static readonly string AlertKey = $"{nameof(INotificationInboxGrain)}.{nameof(INotificationInboxGrain.Alert)}";

    /// <summary>The calls counted, by "interface.method", and their total.</summary>
    private sealed record SendCost(IReadOnlyDictionary<string, int> ByMethod)
    {
        public int Total => ByMethod.Values.Sum();

        public static SendCost Between(IReadOnlyDictionary<string, int> before, IReadOnlyDictionary<string, int> after) =>
            new(after
                .Select(c => (c.Key, Count: c.Value - before.GetValueOrDefault(c.Key)))
                .Where(c => c.Count > 0)
                .ToDictionary(c => c.Key, c => c.Count, StringComparer.Ordinal));

        public override string ToString() => string.Join(", ", ByMethod.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
    }

    /// <summary>
    /// Counts the grain calls the silo receives, by interface and method. Timer ticks, the stream
    /// queues' reads and Orleans' stream bookkeeping are no part of a send and are left out.
    /// </summary>
    private sealed class CallCounter : IIncomingGrainCallFilter
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly List<(string Key, int AtLeast, TaskCompletionSource Reached)> _waiters = [];

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (!IsBackground(context.InterfaceName, context.MethodName))
            {
                Count($"{ShortName(context.InterfaceName)}.{context.MethodName}");
            }

            return context.Invoke();
        }

        public Dictionary<string, int> Snapshot()
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_counts, StringComparer.Ordinal);
            }
        }

        /// <summary>Completes once <paramref name="key"/> was counted at least <paramref name="atLeast"/> times in all; fails after the tests' timeout.</summary>
        public Task WaitForAsync(string key, int atLeast)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_counts.GetValueOrDefault(key) >= atLeast)
                {
                    return Task.CompletedTask;
                }

                _waiters.Add((key, atLeast, reached));
            }

            return reached.Task.WaitAsync(GrainTestHelpers.Timeout);
        }

        private void Count(string key)
        {
            lock (_gate)
            {
                var count = _counts[key] = _counts.GetValueOrDefault(key) + 1;
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Key == key && count >= _waiters[i].AtLeast)
                    {
                        _waiters[i].Reached.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }

        // Publishing is counted (the event queue's Enqueue); how and when the stream's agents read
        // their queues, and Orleans' own stream bookkeeping (pub-sub registration of a stream the
        // agent sees for the first time, its storage), depend on timing, not on the send.
        private static bool IsBackground(string interfaceName, string methodName) =>
            interfaceName.Contains("IGrainTimerInvoker", StringComparison.Ordinal)
            || interfaceName.Contains("MemoryStreamQueueGrain", StringComparison.Ordinal)
            || interfaceName.StartsWith("Orleans.", StringComparison.Ordinal)
            || (interfaceName.Contains("IEventQueueGrain", StringComparison.Ordinal) && methodName != "Enqueue");

        private static string ShortName(string interfaceName)
        {
            var name = interfaceName.Split('[', '`')[0];
            return name[(name.LastIndexOf('.') + 1)..];
        }
    }
}
