using ChatOrleans.Client;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// What a send costs, read from <c>/metrics</c>: every stored message is counted once, the grain
/// calls behind it are counted by interface, and the stream lag (accept to the gateway's
/// subscription) is recorded per event and never exceeds the delivery latency it is part of.
/// Alone in its collection: the meter is read by name, so another test's traffic would count.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SendCostMetricsTests
{
    private const string Sent = "chatorleans_messages_sent_total";
    private const string GrainCalls = "chatorleans_grain_calls_total";
    private const string Lag = "chatorleans_stream_lag_seconds";
    private const string Delivery = "chatorleans_delivery_latency_seconds";

    [Fact]
    public async Task EveryStoredMessageIsCountedWithTheGrainCallsBehindItAndItsStreamLag()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendsPerSecond"] = "1000",
            ["Gateway:SendBurst"] = "1000",
        });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        await using var sender = await alice.ConnectAsync("a");
        await using var receiver = await bob.ConnectAsync("b");

        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var before = await PrometheusText.ScrapeAsync(http);

        const int Messages = 20;
        for (var i = 0; i < Messages; i++)
        {
            await sender.SendMessageAsync(chat.ChatId, $"m{i}", $"message {i}");
        }

        var received = 0;
        using (var timeout = new CancellationTokenSource(Proto.Timeout))
        {
            await foreach (var e in receiver.Events.ReadAllAsync(timeout.Token))
            {
                if (e is NewMessageEvent m && m.Message.ChatId == chat.ChatId && ++received == Messages)
                {
                    break;
                }
            }
        }

        // Both sockets' deliveries are recorded once their frames are written: wait for the count.
        var deadline = DateTime.UtcNow + Proto.Timeout;
        PrometheusText after;
        while (true)
        {
            after = await PrometheusText.ScrapeAsync(http);
            if (Delta(before, after, Delivery + "_count") >= Messages * 2)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "Deliveries not all recorded:\n" + after.Text);
            await Task.Delay(50);
        }

        Assert.Equal(Messages, Delta(before, after, Sent));

        // Each send is a call to its chat's grain, whatever else it costs.
        var chatInterface = after.LabelValues(GrainCalls, "interface").Single(i => i.EndsWith("IChatGrain", StringComparison.Ordinal));
        var chatCalls = (after.Value(GrainCalls, "interface", chatInterface) ?? 0) - (before.Value(GrainCalls, "interface", chatInterface) ?? 0);
        Assert.True(chatCalls >= Messages, $"{chatCalls} calls to {chatInterface} for {Messages} sends");
        var allCalls = after.Sum(GrainCalls) - before.Sum(GrainCalls);
        Assert.True(allCalls >= chatCalls, $"{allCalls} grain calls in all, {chatCalls} to the chat");
        Assert.DoesNotContain("IGrainTimerInvoker", after.Text, StringComparison.Ordinal);

        // One lag per event reaching the gateway (one event may carry several messages), each
        // no longer than the delivery of that event's oldest message to any socket.
        var lagCount = Delta(before, after, Lag + "_count");
        Assert.InRange(lagCount, 1, Messages);
        Assert.True(
            Delta(before, after, Lag + "_sum") <= Delta(before, after, Delivery + "_sum"),
            $"Stream lag {Delta(before, after, Lag + "_sum")} s in all exceeds delivery latency {Delta(before, after, Delivery + "_sum")} s");
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name) =>
        (after.Value(name) ?? 0) - (before.Value(name) ?? 0);
}
