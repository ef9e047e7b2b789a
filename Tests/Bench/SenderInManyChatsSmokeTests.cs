using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Results;
using ChatOrleans.LoadGen.Scenarios;
using ChatOrleans.LoadGen.Transports;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Bench;

/// <summary>
/// Scenario 6 of the benchmark (sender in many chats) at a few devices for seconds: every send acked and delivered,
/// and the grain calls per send read from the gateway's <c>/metrics</c> for both senders. It asserts no speed and no
/// cost, only that they were measured. Alone in its collection: the meter is read by name, so another test's gateway
/// in this process would add its calls.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SenderInManyChatsSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BothSendersAreTimedAndTheirGrainCallsPerSendRead()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendBurst"] = "10000",
            ["Gateway:SendsPerSecond"] = "10000",
            ["Gateway:UserSendBurst"] = "10000",
            ["Gateway:UserSendsPerSecond"] = "10000",
        });
        using var sources = new LoopbackSources(2);
        await using var transport = new ChatTransport(gateway.BaseUri, sources);
        var settings = new SenderInManyChatsSettings
        {
            GroupSize = 3,
            ManyChats = 3,
            Rate = 10,
            Seconds = 1,
            Rounds = 1,
            WarmupSeconds = 0.5,
            TailSeconds = 0.5,
            IdleSeconds = 0.5,
            SettleSeconds = 0.2,
        };
        var context = new ScenarioContext(sources, server: null, maxConnections: 1_000, log: Log) { ConnectConcurrency = 8 };

        var result = await new SenderInManyChatsScenario(transport, context, settings).RunAsync(CancellationToken.None);

        // Group 0 of three; the other sender and three groups of two members each besides it.
        Assert.Equal(10, result.Users);
        Assert.Equal(4, result.Chats);
        Assert.Equal(10, result.ConnectedDevices);
        Assert.Null(result.MetricsError);
        Assert.Equal(["idle", "one-chat", "many-chats", "idle"], result.Windows.Select(w => w.Kind));
        Assert.All(result.Windows.Where(w => w.Kind != "idle"), w => Assert.Equal(w.Acked, w.AckLatency?.Count));
        Assert.Equal(1, result.OneChat.Chats);
        Assert.Equal(3, result.ManyChats.Chats);
        foreach (var sender in new[] { result.OneChat, result.ManyChats })
        {
            Assert.True(sender.Sent >= 5, $"{sender.Sender} sent {sender.Sent} at 10/s for 1 s");
            Assert.Equal(sender.Sent, sender.Acked);
            Assert.Empty(sender.SendErrors);
            Assert.Equal(sender.Acked, sender.AckLatency.Count);
            Assert.Equal(sender.Acked * 2, sender.DeliveriesExpected);
            Assert.Equal(sender.DeliveriesExpected, sender.DeliveriesReceived);
            Assert.Equal(sender.DeliveriesReceived, sender.DeliveryLatency.Count);
            Assert.Equal(sender.Acked, sender.MessagesStored);

            // Every send is at least a call to its chat's grain; the counter was read, not assumed.
            Assert.NotNull(sender.GrainCallsPerSend);
            Assert.NotNull(sender.RuntimeCallsPerSend);
            Assert.True(sender.CallsPerSendByInterface.GetValueOrDefault("ChatOrleans.IChatGrain") >= 1, string.Join(", ", sender.CallsPerSendByInterface));
            Assert.True(sender.GrainCallsPerSend >= 1, $"{sender.Sender}: {sender.GrainCallsPerSend} grain calls a send");
        }

        Assert.NotNull(result.CallsPerSendDifference);
        Assert.NotNull(result.AckP95Ratio);
        Assert.NotNull(result.DeliveryP95Ratio);
        Assert.Contains(result.BackgroundCallsPerSecond.Keys, i => i.StartsWith("ChatOrleans.", StringComparison.Ordinal));

        // The run keeps it through its JSON, judges it and reports it.
        var run = new BenchRun { Mode = "quick", StartedAt = DateTimeOffset.UtcNow, SenderInManyChats = result };
        run.Targets = Targets.Evaluate(run);
        string path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            run.Write(path);
            var read = BenchRun.Read(path);
            Assert.NotNull(read?.SenderInManyChats);
            Assert.Equal(result.ManyChats.GrainCallsPerSend, read.SenderInManyChats.ManyChats.GrainCallsPerSend);
            Assert.Equal(result.CallsPerSendDifference, read.SenderInManyChats.CallsPerSendDifference);
            var calls = Assert.Single(read.Targets, t => t.Id == "sender-many-chats-calls");
            Assert.Equal(TargetResult.NotMeasured, calls.Status);
            Assert.Contains("below the issue's size", calls.Detail, StringComparison.Ordinal);
            string markdown = MarkdownReport.Render([read]);
            Assert.Contains("### 6. Sender in many chats", markdown, StringComparison.Ordinal);
            Assert.Contains("`ChatOrleans.IChatGrain`", markdown, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MetricsAreReadByInterfaceWhateverOtherLabelsTheyCarry()
    {
        const string Text = """
            # TYPE chatorleans_grain_calls_total counter
            chatorleans_grain_calls_total{otel_scope_name="ChatOrleans",interface="ChatOrleans.IChatGrain"} 12 1700000000000
            chatorleans_grain_calls_total{otel_scope_name="ChatOrleans",interface="Orleans.Providers.IMemoryStreamQueueGrain"} 5
            chatorleans_grain_calls_total_other{interface="ChatOrleans.IChatGrain"} 100
            chatorleans_messages_sent_total{otel_scope_name="ChatOrleans"} 3
            chatorleans_messages_sent_total_created 99
            """;
        var before = MetricsScrape.Parse(Text, 0);
        var after = MetricsScrape.Parse(Text.Replace("} 12 ", "} 20 ", StringComparison.Ordinal) + "\nchatorleans_grain_calls_total{interface=\"ChatOrleans.IUserGrain\"} 4", 1);

        Assert.Equal(12, before.GrainCalls["ChatOrleans.IChatGrain"]);
        Assert.Equal(5, before.GrainCalls["Orleans.Providers.IMemoryStreamQueueGrain"]);
        Assert.Equal(2, before.GrainCalls.Count);
        Assert.Equal(3, before.MessagesStored);
        var delta = after.CallsSince(before);
        Assert.Equal(8, delta["ChatOrleans.IChatGrain"]);
        Assert.Equal(0, delta["Orleans.Providers.IMemoryStreamQueueGrain"]);
        Assert.Equal(4, delta["ChatOrleans.IUserGrain"]);
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // Written after the test ended.
        }
    }
}
