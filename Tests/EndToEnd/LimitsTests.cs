using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>Malformed input, the size limits, the send rate limit, replaced connections and slow consumers.</summary>
[Trait("Category", "Integration")]
public sealed class LimitsTests(ProtocolGatewayFixture fixture, ITestOutputHelper output) : IClassFixture<ProtocolGatewayFixture>
{
    private const int MaxFrameBytes = 65_536;
    private const int MaxTextCodePoints = 16_000;
    private const string Emoji = "😀"; // one code point, two UTF-16 units, four UTF-8 bytes

    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task MalformedJsonIsBadRequestAndTheConnectionStaysOpen()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        await using var socket = await alice.ConnectAsync("phone");

        foreach (var frame in new[] { "{not json", "{\"type\":\"ping\",\"req_id\":\"r-x\"", "[1,2,3]", "\"ping\"", "42" })
        {
            await socket.SendRawAsync(frame);
            var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
            Assert.True(error.Code == ErrorCodes.BadRequest, $"{frame}: {error}");
            await socket.PingAsync();
        }

        Assert.False(socket.IsClosed);
    }

    [Fact]
    public async Task AFrameWithoutTypeIsBadRequestWithItsReqId()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        await using var socket = await alice.ConnectAsync("phone");

        await socket.SendRawAsync("{\"req_id\":\"no-type-1\"}");
        var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
        Assert.Equal(("no-type-1", ErrorCodes.BadRequest), (error.ReqId, error.Code));
        await socket.PingAsync();
    }

    [Fact]
    public async Task ABinaryFrameIsBadRequestAndTheConnectionStaysOpen()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        await using var socket = await alice.ConnectAsync("phone");

        await socket.SendBinaryAsync(Encoding.UTF8.GetBytes("{\"type\":\"ping\",\"req_id\":\"bin-1\"}"));

        var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.True(error.ReqId is null or "bin-1", error.ToString());
        await socket.PingAsync();
        Assert.DoesNotContain(socket.ReceivedOf<PongEvent>(), p => p.ReqId == "bin-1");
    }

    [Fact]
    public async Task AnUnknownTypeIsBadRequestWithTheReqIdEchoed()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        await using var socket = await alice.ConnectAsync("phone");

        var error = await Proto.AssertRequestErrorAsync(() => socket.RequestAsync("teleport", Proto.Fields(("to", "mars"))), ErrorCodes.BadRequest);
        Assert.StartsWith("r", error.ReqId, StringComparison.Ordinal);

        await socket.SendRawAsync("{\"type\":\"teleport\",\"req_id\":\"custom-7\"}");
        var raw = await socket.WaitForAsync<ErrorEvent>(e => e.ReqId == "custom-7", Proto.Timeout);
        Assert.Equal(ErrorCodes.BadRequest, raw.Code);
        await socket.PingAsync();
    }

    [Fact]
    public async Task RequestsThatNeedAnAnswerButHaveNoReqIdAreBadRequestAndNothingIsStored()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        await socket.SendAsync("send_message", Proto.Fields(("chat_id", direct), ("client_msg_id", "no-req"), ("text", "hello")));
        var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
        Assert.Equal((null, ErrorCodes.BadRequest), (error.ReqId, error.Code));

        await socket.SendAsync("ping");
        error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
        Assert.Equal((null, ErrorCodes.BadRequest), (error.ReqId, error.Code));

        await socket.PingAsync();
        Assert.Empty(await alice.Api.GetMessagesAsync(direct));
        Assert.Empty(socket.ReceivedOf<NewMessageEvent>());
    }

    [Fact]
    public async Task AFrameOverTheLimitIsTooLargeWithoutReqIdAndTheConnectionStaysUsable()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        // Exactly at the limit: accepted.
        var atLimit = PaddedPing("edge-ok", MaxFrameBytes);
        Assert.Equal(MaxFrameBytes, Encoding.UTF8.GetByteCount(atLimit));
        await socket.SendRawAsync(atLimit);
        await socket.WaitForAsync<PongEvent>(p => p.ReqId == "edge-ok", Proto.Timeout);

        foreach (var size in new[] { MaxFrameBytes + 1, 70_000, 300_000 })
        {
            await socket.SendRawAsync(PaddedPing($"big-{size}", size));
            var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
            Assert.True(error.Code == ErrorCodes.TooLarge && error.ReqId is null, $"{size} bytes: {error}");
            await socket.PingAsync();
        }

        Assert.DoesNotContain(socket.ReceivedOf<PongEvent>(), p => p.ReqId?.StartsWith("big-", StringComparison.Ordinal) == true);
        var sent = await socket.SendMessageAsync(direct, "after-big", "still usable");
        Assert.Equal(1, sent.Seq);
    }

    [Fact]
    public async Task TextIsLimitedTo16000CodePointsNotUtf16Units()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        // 16,000 code points in 24,000 UTF-16 units (40,000 UTF-8 bytes): accepted, and kept whole.
        var mixed = Repeat(Emoji, 8_000) + new string('a', 8_000);
        Assert.Equal(MaxTextCodePoints, mixed.EnumerateRunes().Count());
        var ok = await socket.SendMessageAsync(direct, "mixed-16000", mixed);
        Assert.Equal(mixed, ok.Text);

        // 16,000 emoji: 32,000 UTF-16 units, 64,000 UTF-8 bytes; the frame still fits under 65,536 bytes.
        var emoji = Repeat(Emoji, MaxTextCodePoints);
        Assert.True(SendFrameBytes(direct, "emoji-16000", emoji) < MaxFrameBytes);
        var allEmoji = await socket.SendMessageAsync(direct, "emoji-16000", emoji);
        Assert.Equal(emoji, allEmoji.Text);

        // One more code point, in either form: too_large (the frames stay far below the frame limit).
        foreach (var (id, text) in new[] { ("ascii-16001", new string('a', MaxTextCodePoints + 1)), ("mixed-16001", Emoji + mixed), ("emoji-16001", emoji + Emoji) })
        {
            Assert.True(SendFrameBytes(direct, id, text) < MaxFrameBytes, id);
            var error = await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, id, text), ErrorCodes.TooLarge);
            Assert.NotNull(error.ReqId);
        }

        var stored = await alice.Api.GetMessagesAsync(direct);
        Assert.Equal(new[] { "mixed-16000", "emoji-16000" }, stored.Select(m => m.ClientMsgId));
        Assert.Equal(emoji, stored[1].Text);
    }

    [Fact]
    public async Task MoreThanTenMediaOrNeitherTextNorMediaIsBadRequest()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        var eleven = Enumerable.Range(1, 11).Select(i => $"f_{i}").ToArray();
        await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, "media-11", "with media", eleven), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, "media-11b", null, eleven), ErrorCodes.BadRequest);

        await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, "empty-1", null), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, "empty-2", ""), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(() => socket.SendMessageAsync(direct, "empty-3", null, []), ErrorCodes.BadRequest);
        await Proto.AssertRequestErrorAsync(
            () => socket.RequestAsync("send_message", Proto.Fields(("chat_id", direct), ("client_msg_id", "empty-4"), ("text", null), ("media_ids", null))),
            ErrorCodes.BadRequest);

        Assert.Empty(await alice.Api.GetMessagesAsync(direct));
    }

    [Fact]
    public async Task SendsOverTheBurstAreRateLimitedWhileOtherFramesStillWork()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendBurst"] = "5",
            ["Gateway:SendsPerSecond"] = "1",
        });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        // Warm the chat up from another device so that the timed burst below runs at full speed.
        await using var other = await alice.ConnectAsync("other");
        await other.SendMessageAsync(direct, "warm", "warm up");
        await using var phone = await alice.ConnectAsync("phone");

        // Eight sends written back to back; the server takes them in order.
        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Outcome(phone.SendMessageAsync(direct, $"burst-{i}", $"burst {i}"))));
        clock.Stop();

        Assert.All(outcomes.Take(5), o => Assert.True(o.Message is not null, $"A send within the burst was refused: {o.Error}"));
        var limited = outcomes.Skip(5).Where(o => o.Error is not null).ToList();
        Assert.NotEmpty(limited);
        if (clock.Elapsed < TimeSpan.FromMilliseconds(900))
        {
            // No token can have come back yet: the sixth is the first refused.
            Assert.NotNull(outcomes[5].Error);
        }

        foreach (var (_, error) in limited)
        {
            Assert.Equal(ErrorCodes.RateLimited, error!.Code);
            Assert.True(error.RetryAfterMs > 0, $"retry_after_ms {error.RetryAfterMs}");
            Assert.NotNull(error.ReqId);
        }

        // Other frames are not counted: ping, mark_read and typing still answer at once.
        await phone.PingAsync();
        await phone.MarkReadAsync(direct, 1);
        await phone.TypingAsync(direct, TypingStates.Start);

        // The budget is per device.
        await other.SendMessageAsync(direct, "other-2", "from the other device");

        // Refused sends were not stored.
        var accepted = outcomes.Count(o => o.Message is not null);
        Assert.Equal(accepted + 2, (await alice.Api.GetMessagesAsync(direct)).Count);

        // After retry_after_ms the device may send again.
        Message? later = null;
        var retry = limited[^1].Error!.RetryAfterMs!.Value;
        for (var attempt = 0; attempt < 10 && later is null; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(retry));
            var outcome = await Outcome(phone.SendMessageAsync(direct, "after-wait", "patient"));
            later = outcome.Message;
            retry = outcome.Error?.RetryAfterMs ?? retry;
        }

        Assert.NotNull(later);
    }

    [Fact]
    public async Task ASecondConnectionOfTheSameDeviceClosesTheFirstWith4001()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var tablet = await alice.ConnectAsync("tablet");
        await using var first = await alice.ConnectAsync("phone");

        await using var second = await alice.ConnectAsync("phone");
        await first.Closed.WaitAsync(Proto.Timeout);
        var how = $"close status {(int?)first.CloseStatus} '{first.CloseStatusDescription}', failure: {first.Failure?.GetBaseException().Message ?? "none"}";

        // The newer connection and the other device carry on.
        await second.PingAsync();
        await bobSocket.SendMessageAsync(direct, "b1", "still there?");
        await Proto.WaitMessageAsync(second, direct, 1);
        await Proto.WaitMessageAsync(tablet, direct, 1);
        await tablet.PingAsync();
        Assert.False(second.IsClosed);
        Assert.False(tablet.IsClosed);

        Assert.True(first.CloseStatus is { } status && (int)status == ChatCloseCodes.Replaced, $"Expected close code 4001; got {how}.");
    }

    [Fact]
    public async Task ADeviceThatStopsReadingIsDisconnectedAndCatchesUpByReplay()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:SendQueueFrames"] = "16",
            ["Gateway:SendsPerSecond"] = "100000",
            ["Gateway:SendBurst"] = "100000",
        });
        using var alice = await Proto.RegisterAsync(gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(gateway.BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;

        // The slow device: a raw socket with a tiny receive buffer (no autotuning) that reads up to sync_done.
        using var handler = new SocketsHttpHandler { ConnectCallback = ConnectWithSmallReceiveBufferAsync };
        using var invoker = new HttpMessageInvoker(handler);
        using var slow = new ClientWebSocket();
        using (var connectTimeout = new CancellationTokenSource(Proto.Timeout))
        {
            await slow.ConnectAsync(ChatConnection.BuildWebSocketUri(gateway.BaseUri, alice.Token, "slow"), invoker, connectTimeout.Token);
            string type;
            do
            {
                var frame = await ReceiveFrameAsync(slow, connectTimeout.Token);
                Assert.NotNull(frame);
                using var document = JsonDocument.Parse(frame);
                type = document.RootElement.GetProperty("type").GetString()!;
            }
            while (type != "sync_done");
        }

        // Bob's own new_message of each send counts against his 16 frames too: he keeps at most two
        // unread, so a loaded machine that reads slowly never fills his queue.
        using var bobWindow = new SemaphoreSlim(2);
        await using var bobSocket = await bob.ConnectAsync("phone", new ChatConnectionOptions
        {
            RecordReceived = false,
            PublishEvents = false,
            OnEvent = e =>
            {
                if (e is NewMessageEvent)
                {
                    bobWindow.Release();
                }
            },
        });

        // Control: while it reads, the slow device gets the chat's messages live.
        await bobSocket.SendMessageAsync(direct, "live-1", "are you there?");
        using (var liveTimeout = new CancellationTokenSource(Proto.Timeout))
        {
            string? frame;
            do
            {
                frame = await ReceiveFrameAsync(slow, liveTimeout.Token);
                Assert.NotNull(frame);
            }
            while (!frame.StartsWith("{\"type\":\"new_message\"", StringComparison.Ordinal));
        }

        // From now on it reads nothing. Each message is 16,000 emoji: at least 64 KB as the server writes it (192 KB
        // if it escapes them), so 200 of them are several times what the server's socket buffer (4 MB at most on this Linux),
        // the slow side's 4 KB receive buffer and a 16-frame queue can hold. Bob sends one at a time and reads all
        // the while, so his own queue (16 frames too) never fills.
        const int count = 200;
        var text = Repeat(Emoji, MaxTextCodePoints - 8);
        for (var i = 2; i <= count; i++)
        {
            Assert.True(await bobWindow.WaitAsync(Proto.Timeout), "Bob's own messages stopped arriving.");
            Assert.Equal(i, (await bobSocket.SendMessageAsync(direct, $"flood-{i}", $"{i,7} {text}")).Seq);
        }

        // Now read: the server must have dropped the socket, so reading ends (an abort, or a close) before all of it arrives.
        var delivered = 0;
        var ended = false;
        using (var drainTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                while (await ReceiveFrameAsync(slow, drainTimeout.Token) is { } frame)
                {
                    if (frame.StartsWith("{\"type\":\"new_message\"", StringComparison.Ordinal))
                    {
                        delivered++;
                    }
                }

                ended = true; // a close frame
            }
            catch (WebSocketException)
            {
                ended = true;
            }
            catch (OperationCanceledException) when (drainTimeout.IsCancellationRequested)
            {
                // Still open after everything that was sent: never disconnected.
            }
        }

        output.WriteLine($"The slow socket got {delivered} of {count - 1} flooded messages before the server dropped it.");
        Assert.True(ended, $"The slow socket was never disconnected: it got {delivered} of {count - 1} messages and stayed open.");
        Assert.True(delivered < count - 1, $"The slow socket got all {count - 1} messages: it was not disconnected for falling behind.");

        // The server is fine, the other device too, and the slow device catches up by replay when it comes back.
        using (var http = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(gateway.BaseUri, "healthz"))).StatusCode);
        }

        await bobSocket.PingAsync();
        await using var back = await alice.ConnectAsync("slow");
        var replayed = Proto.ReplayOf(back).OfType<NewMessageEvent>().Where(e => e.Message.ChatId == direct).Select(e => e.Message.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), replayed);
        await back.PingAsync();
    }

    private static async Task<(Message? Message, ChatRequestException? Error)> Outcome(Task<Message> send)
    {
        try
        {
            return (await send, null);
        }
        catch (ChatRequestException ex)
        {
            return (null, ex);
        }
    }

    private static string Repeat(string s, int count) => new StringBuilder(s.Length * count).Insert(0, s, count).ToString();

    /// <summary>A ping frame padded with an ignored field to exactly <paramref name="bytes"/> bytes.</summary>
    private static string PaddedPing(string reqId, int bytes)
    {
        var head = $"{{\"type\":\"ping\",\"req_id\":\"{reqId}\",\"pad\":\"";
        const string tail = "\"}";
        return head + new string('x', bytes - head.Length - tail.Length) + tail;
    }

    /// <summary>The size of the send_message frame the client writes (it escapes only what JSON requires).</summary>
    private static int SendFrameBytes(string chatId, string clientMsgId, string text) =>
        Encoding.UTF8.GetByteCount($"{{\"type\":\"send_message\",\"req_id\":\"r99999\",\"chat_id\":\"{chatId}\",\"client_msg_id\":\"{clientMsgId}\",\"text\":\"{text}\"}}");

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

    /// <summary>One whole text frame, or <c>null</c> for a close frame.</summary>
    private static async Task<string?> ReceiveFrameAsync(WebSocket socket, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            }
        }
    }
}
