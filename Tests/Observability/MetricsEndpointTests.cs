using System.Text.Json;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// <c>/metrics</c> on the embedded process: the delivery-latency histogram counts every frame
/// written and agrees with the latency the test measures itself. Alone in its collection: the
/// project's meter is read by name, so another test's traffic in the same process would count.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MetricsEndpointTests
{
    private const string Delivery = "chatorleans_delivery_latency_seconds";

    [Fact]
    public async Task DeliveryLatencyHistogramCountsEveryDeliveryAndItsP95MatchesTheClientsClock()
    {
        // The send budgets are not what this measures.
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendsPerSecond"] = "1000",
            ["Gateway:SendBurst"] = "1000",
            ["Gateway:UserSendsPerSecond"] = "1000",
            ["Gateway:UserSendBurst"] = "1000",
        });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;

        // Bare sockets stamp every frame as its last byte is read; created_at is the chat grain's
        // accept (the time the event carries), on the same clock as the server's.
        await using var sender = await StampingSocket.ConnectAsync(gateway.BaseUri, alice.Token, "a");
        await using var receiver = await StampingSocket.ConnectAsync(gateway.BaseUri, bob.Token, "b");
        await sender.WaitForAsync("sync_done", 1);
        await receiver.WaitForAsync("sync_done", 1);

        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var before = await PrometheusText.ScrapeAsync(http);
        var countBefore = before.Value(Delivery + "_count") ?? 0;

        const int Messages = 60;
        for (var i = 0; i < Messages; i++)
        {
            var reqId = $"r{i}";
            await sender.SendAsync(new { type = "send_message", req_id = reqId, chat_id = chat.ChatId, client_msg_id = $"m{i}", text = $"message {i}" });
            await sender.WaitForAsync("ack", 1, f => f.GetProperty("req_id").GetString() == reqId);
        }

        // Both devices of the chat get each message: the sender's own socket too.
        const int Deliveries = Messages * 2;
        bool InChat(JsonElement frame) => frame.GetProperty("message").GetProperty("chat_id").GetString() == chat.ChatId;
        var stamped = (await sender.WaitForAsync("new_message", Messages, InChat)).Concat(await receiver.WaitForAsync("new_message", Messages, InChat));
        var measured = stamped.Select(f => (f.At - f.Frame.GetProperty("message").GetProperty("created_at").GetDateTimeOffset()).TotalSeconds).ToList();

        var deadline = DateTime.UtcNow + Proto.Timeout;
        PrometheusText after;
        while (true)
        {
            after = await PrometheusText.ScrapeAsync(http);
            if ((after.Value(Delivery + "_count") ?? 0) - countBefore >= Deliveries)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Deliveries counted: {(after.Value(Delivery + "_count") ?? 0) - countBefore} of {Deliveries}");
            await Task.Delay(50);
        }

        Assert.Equal(Deliveries, (after.Value(Delivery + "_count") ?? 0) - countBefore);
        var sorted = measured.Order().ToArray();
        Assert.Equal(Deliveries, sorted.Length);
        var ownP95 = sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
        var histogramP95 = PrometheusText.Quantile(0.95, before.Buckets(Delivery), after.Buckets(Delivery));
        var tolerance = Math.Max(0.2 * ownP95, 0.005);
        Assert.True(
            Math.Abs(histogramP95 - ownP95) <= tolerance,
            $"P95 from the histogram {histogramP95 * 1000:F2} ms, measured by the client {ownP95 * 1000:F2} ms");
    }

    [Fact]
    public async Task MetricsServesTheProjectsInstrumentsAndOrleansAndAspNetCoreOnes()
    {
        // A send budget of one: the second send is refused and counted.
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendsPerSecond"] = "1",
            ["Gateway:SendBurst"] = "1",
        });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var chat = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat;
        await using var connection = await alice.ConnectAsync("a");
        await connection.SendMessageAsync(chat.ChatId, "m1", "hello");
        await Proto.AssertRequestErrorAsync(() => connection.SendMessageAsync(chat.ChatId, "m2", "again"), "rate_limited");

        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var deadline = DateTime.UtcNow + Proto.Timeout;
        PrometheusText metrics;
        while (true)
        {
            metrics = await PrometheusText.ScrapeAsync(http);
            if (metrics.Value("chatorleans_log_append_latency_seconds_count") >= 1 && metrics.Value("chatorleans_send_ack_latency_seconds_count") >= 1)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "No append or ack recorded:\n" + metrics.Text);
            await Task.Delay(50);
        }

        Assert.True(metrics.Value("chatorleans_connections_devices") >= 1, metrics.Text);
        Assert.NotNull(metrics.Value("chatorleans_connections_send_queue_bytes"));
        Assert.True(metrics.Value("chatorleans_log_append_batch_size_count") >= 1, metrics.Text);
        Assert.Contains("chatorleans_rate_limit_refusals_total{", metrics.Text, StringComparison.Ordinal);
        Assert.Contains("budget=\"send\"", metrics.Text, StringComparison.Ordinal);
        Assert.Contains("\norleans_", metrics.Text, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_request_duration_seconds", metrics.Text, StringComparison.Ordinal);
    }
}
