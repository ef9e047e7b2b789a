using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.Gateway.WebSockets;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// The send queue is bounded in bytes (Gateway:SendQueueBytes), and a request with a large answer
/// (fetch_history) waits for the queue to drain: a socket that stops reading and keeps asking for
/// history makes the gateway hold at most about the bound plus one answer, and is disconnected.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SendQueueBytesTests(ITestOutputHelper output)
{
    private const int MessageCount = 200;
    private const int TextLength = 16_000;

    [Fact]
    public async Task ASocketThatStopsReadingAndAsksForHistoryIsDisconnectedAndTheQueueStaysBounded()
    {
        const long queueBytes = 8L * 1024 * 1024;
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendQueueBytes"] = queueBytes.ToString(),
            ["Gateway:SendQueueDrainTimeout"] = "00:00:02",
            ["Gateway:SendsPerSecond"] = "100000",
            ["Gateway:SendBurst"] = "100000",
            ["Gateway:UserSendsPerSecond"] = "100000",
            ["Gateway:UserSendBurst"] = "100000",
        });
        var registry = gateway.Services.GetRequiredService<ConnectionRegistry>();
        var (alice, chatId, answerBytes) = await SeedLargeHistoryAsync(gateway.BaseUri);
        using var _ = alice;

        // The reader that stops: a raw socket with a tiny receive buffer, reading only up to sync_done.
        using var handler = new SocketsHttpHandler { ConnectCallback = ConnectWithSmallReceiveBufferAsync };
        using var invoker = new HttpMessageInvoker(handler);
        using var slow = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await slow.ConnectAsync(ChatConnection.BuildWebSocketUri(gateway.BaseUri, alice.Token, "slow"), invoker, timeout.Token);
        await ReadUntilSyncDoneAsync(slow, timeout.Token);

        var connection = registry.Find(ChatIds.DeviceKey(alice.Id, "slow"));
        Assert.NotNull(connection);

        // It asks for 30 pages of 200 large messages (about 100 MB of answers) and reads nothing.
        const int requests = 30;
        var sendAll = Task.Run(async () =>
        {
            for (var i = 0; i < requests; i++)
            {
                var frame = Encoding.UTF8.GetBytes($$"""{"type":"fetch_history","req_id":"h{{i}}","chat_id":"{{chatId}}","limit":200}""");
                await slow.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
        });

        // The gateway drops it as too slow; meanwhile its queued bytes are sampled.
        long sampledMax = 0;
        while (registry.Count > 0 && !timeout.IsCancellationRequested)
        {
            sampledMax = Math.Max(sampledMax, registry.QueuedBytes);
            await Task.Delay(5);
        }

        Assert.Equal(0, registry.Count);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await sendAll;
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var result = await slow.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException("closed");
                }
            }
        });

        // Bound: the queue limit, plus the one answer that may be in the socket's hands when it is reached.
        var bound = queueBytes + answerBytes + 64 * 1024;
        output.WriteLine($"one answer: {answerBytes:N0} bytes; largest queue: {registry.LargestQueueBytes:N0}; sampled: {sampledMax:N0}; bound {bound:N0}");
        Assert.InRange(registry.LargestQueueBytes, answerBytes / 2, bound);
        Assert.InRange(sampledMax, 0, bound);

        // Once the socket is gone its queue holds nothing, and the device catches up by reconnecting.
        using (var released = new CancellationTokenSource(Proto.Timeout))
        {
            while (connection.QueuedBytes != 0)
            {
                await Task.Delay(10, released.Token);
            }
        }

        Assert.Equal(0, registry.QueuedBytes);
        await using var back = await alice.ConnectAsync("slow");
        Assert.Equal(MessageCount, (await back.FetchHistoryAsync(chatId, limit: 200)).Count);
    }

    [Fact]
    public async Task AHistoryAnswerLargerThanTheQueueLimitStillReachesAReadingClient()
    {
        const long queueBytes = 1024 * 1024;
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendQueueBytes"] = queueBytes.ToString(),
            ["Gateway:SendQueueDrainBytes"] = (256 * 1024).ToString(),
            ["Gateway:SendsPerSecond"] = "100000",
            ["Gateway:SendBurst"] = "100000",
            ["Gateway:UserSendsPerSecond"] = "100000",
            ["Gateway:UserSendBurst"] = "100000",
        });
        var (alice, chatId, answerBytes) = await SeedLargeHistoryAsync(gateway.BaseUri);
        using var _ = alice;
        Assert.True(answerBytes > 3 * queueBytes, $"The answer ({answerBytes} bytes) must be well over the queue limit.");

        await using var reader = await alice.ConnectAsync("reader", new ChatConnectionOptions { RecordReceived = false });
        for (var i = 0; i < 3; i++)
        {
            var page = await reader.FetchHistoryAsync(chatId, limit: 200);
            Assert.Equal(MessageCount, page.Count);
            Assert.Equal(TextLength, page[^1].Text!.Length);
        }

        await reader.PingAsync();
        Assert.False(reader.IsClosed);
    }

    [Fact]
    public async Task LiveFramesPastTheByteBoundDisconnectASocketThatStoppedReadingLongBeforeTheFrameBound()
    {
        const long queueBytes = 1024 * 1024;
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendQueueBytes"] = queueBytes.ToString(),
            ["Gateway:SendQueueDrainBytes"] = (256 * 1024).ToString(),
            ["Gateway:SendsPerSecond"] = "100000",
            ["Gateway:SendBurst"] = "100000",
            ["Gateway:UserSendsPerSecond"] = "100000",
            ["Gateway:UserSendBurst"] = "100000",
        });
        var registry = gateway.Services.GetRequiredService<ConnectionRegistry>();
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        using var handler = new SocketsHttpHandler { ConnectCallback = ConnectWithSmallReceiveBufferAsync };
        using var invoker = new HttpMessageInvoker(handler);
        using var slow = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await slow.ConnectAsync(ChatConnection.BuildWebSocketUri(gateway.BaseUri, alice.Token, "slow"), invoker, timeout.Token);
        await ReadUntilSyncDoneAsync(slow, timeout.Token);

        // 200 frames of 16,000 emoji: far more than the kernel's buffers hold, and far fewer than
        // the 2,048 frames the frame bound allows. Bob sends one at a time and reads all the while.
        await using var writer = await bob.ConnectAsync("writer", new ChatConnectionOptions { RecordReceived = false, PublishEvents = false });
        var text = string.Concat(Enumerable.Repeat("😀", TextLength - 8));
        // Both sockets are registered until the gateway drops the slow one.
        var sent = 0;
        for (var i = 1; i <= MessageCount && registry.Count == 2; i++)
        {
            await writer.SendMessageAsync(chatId, $"live-{i}", $"{i,7} {text}");
            sent++;
        }

        using (var wait = new CancellationTokenSource(Proto.Timeout))
        {
            while (registry.Count == 2)
            {
                await Task.Delay(10, wait.Token);
            }
        }

        var frameBytes = 16_000L * 12 + 4_096; // an emoji escaped is 12 bytes at most
        output.WriteLine($"sent {sent}; largest queue: {registry.LargestQueueBytes:N0}; bound {queueBytes + frameBytes:N0}");
        Assert.True(sent < MessageCount, "The slow socket was never disconnected.");
        Assert.InRange(registry.LargestQueueBytes, queueBytes / 2, queueBytes + frameBytes);
        await writer.PingAsync();

        await using var back = await alice.ConnectAsync("slow", new ChatConnectionOptions { RecordReceived = false });
        Assert.Equal(sent, (await back.SyncDone).Replayed);
    }

    /// <summary>A chat of 200 messages of 16,000 characters, and the size of one page of all of them.</summary>
    private static async Task<(ProtocolUser Alice, string ChatId, long AnswerBytes)> SeedLargeHistoryAsync(Uri baseUri)
    {
        var alice = await Proto.RegisterAsync(baseUri);
        using var bob = await Proto.RegisterAsync(baseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        // The writer gets its own new_message for every send: at most a few unread at a time, so its
        // queue stays far under the 1 MB bound some tests set, however slowly a loaded machine reads.
        using var window = new SemaphoreSlim(4);
        var options = new ChatConnectionOptions
        {
            RecordReceived = false,
            PublishEvents = false,
            OnEvent = e =>
            {
                if (e is NewMessageEvent)
                {
                    window.Release();
                }
            },
        };
        await using (var writer = await bob.ConnectAsync("writer", options))
        {
            var text = new string('x', TextLength - 8);
            var sends = new List<Task>(MessageCount);
            for (var i = 1; i <= MessageCount; i++)
            {
                await window.WaitAsync(Proto.Timeout);
                sends.Add(writer.SendMessageAsync(chatId, $"big-{i}", $"{i,7} {text}"));
            }

            await Task.WhenAll(sends);
        }

        var (_, body) = await Proto.RawAsync(alice.Api, HttpMethod.Get, $"api/v1/chats/{chatId}/messages?limit=200");
        var answerBytes = Encoding.UTF8.GetByteCount(body!.Value.GetRawText());
        return (alice, chatId, answerBytes);
    }

    private static async Task ReadUntilSyncDoneAsync(WebSocket socket, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            using var document = JsonDocument.Parse(message.ToArray());
            if (document.RootElement.GetProperty("type").GetString() == "sync_done")
            {
                return;
            }
        }
    }

    private static async ValueTask<Stream> ConnectWithSmallReceiveBufferAsync(SocketsHttpConnectionContext context, CancellationToken token)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
