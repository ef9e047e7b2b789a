using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatOrleans.Client;
using Xunit.Abstractions;

namespace ChatOrleans.Tests.Hostile;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// Attacks a real embedded server process as a hostile or careless client would, one at a time.
/// Each attack must be refused the way the contract says, the server's resident memory must stay
/// within the bound stated in the test, and <c>/healthz</c> must answer within 200 ms throughout.
/// </summary>
[Collection(HostileCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class HostileClientTests(HostileGateway gateway, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan HealthBound = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SocketsThatStopReadingWhileAskingForHistoryAreCutOffAndMemoryStaysBounded()
    {
        var (api, alice, _, _) = await gateway.RegisterAsync();
        using var ownedApi = api;
        var chat = await api.CreateGroupAsync("archive", []);

        // 120 messages of 16,000 three-byte characters: one history page of them is over 5 MB as JSON.
        var text = new string('€', 16_000);
        await SendManyAsync(alice, chat.ChatId, count: 120, text);

        // Three sockets of the user read nothing and each asks for that page 60 times. Unbounded
        // queues would hold 3 × 50 answers (the burst of the history budget): over 750 MB.
        using var rss = new RssWatch(gateway);
        using var health = new HealthProbe(gateway.BaseUri);
        var frame = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "fetch_history", req_id = "h", chat_id = chat.ChatId, limit = 200 }));
        var sockets = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => OpenRawSocketAsync(alice.AccessToken, $"hoarder-{i}", receiveBuffer: 4096)));
        var sent = await Task.WhenAll(sockets.Select(socket => SendUntilStuckAsync(socket, frame, times: 60)));

        // Read nothing for longer than the server waits for a queue to drain before a history
        // answer (Gateway:SendQueueDrainTimeout, 15 s): it must give up on these readers.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(250);
        }

        output.WriteLine(rss.AssertGrowthBelow(250 * MiB));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));

        // Read now: each socket was dropped as too slow before it got all its answers.
        for (var i = 0; i < sockets.Length; i++)
        {
            var (answered, refused, ended) = await DrainAsync(sockets[i], TimeSpan.FromSeconds(20));
            output.WriteLine($"socket {i}: sent {sent[i]}, answered {answered}, refused {refused}, ended {ended}");
            Assert.True(ended, $"socket {i}: still open after {answered} answers");
            Assert.True(answered < sent[i], $"socket {i}: every one of {sent[i]} history requests was answered");
            sockets[i].Dispose();
        }

        Assert.False(gateway.Process.HasExited);
    }

    [Fact]
    public async Task ALoginFloodIsRefusedAfterTenFailuresAlsoForTheRightPassword()
    {
        var (victimApi, _, victim, password) = await gateway.RegisterAsync();
        victimApi.Dispose();
        using var attacker = gateway.ApiFrom(gateway.NextClientAddress());
        using var rss = new RssWatch(gateway);
        using var health = new HealthProbe(gateway.BaseUri);

        var outcomes = await RunConcurrentlyAsync(300, concurrency: 16, _ => LoginStatusAsync(attacker, victim, "wrong password!"));
        var unauthorized = outcomes.Count(o => o.Status == HttpStatusCode.Unauthorized);
        var limited = outcomes.Where(o => o.Status == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"401: {unauthorized}, 429: {limited.Count}");
        Assert.True(unauthorized <= 10, $"{unauthorized} wrong passwords were checked; at most 10 a minute may be.");
        Assert.Equal(300 - unauthorized, limited.Count);
        Assert.All(limited, o => Assert.True(o.Error is { Code: ErrorCodes.RateLimited, RetryAfterMs: > 0 }, $"429 without rate_limited and retry_after_ms: {o.Error}"));

        // The right password is refused too while the limit holds, from anywhere.
        using var owner = gateway.ApiFrom(gateway.NextClientAddress());
        var right = await LoginStatusAsync(owner, victim, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.Status);

        output.WriteLine(rss.AssertGrowthBelow(100 * MiB));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task LoginsFromOneAddressForManyUsernamesAreRefusedAfterAHundredFailures()
    {
        using var attacker = gateway.ApiFrom(gateway.NextClientAddress());
        using var health = new HealthProbe(gateway.BaseUri);

        var outcomes = await RunConcurrentlyAsync(150, concurrency: 8, i => LoginStatusAsync(attacker, $"nobody{i}x{Guid.NewGuid():N}"[..24], "some password"));
        var unauthorized = outcomes.Count(o => o.Status == HttpStatusCode.Unauthorized);
        var limited = outcomes.Count(o => o.Status == HttpStatusCode.TooManyRequests);
        output.WriteLine($"401: {unauthorized}, 429: {limited}");
        Assert.True(unauthorized <= 100, $"{unauthorized} failures from one address were checked; at most 100 a minute may be.");
        Assert.Equal(150 - unauthorized, limited);

        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task ThirtyTwoConcurrentLoginsAtTheShippedPasswordCostDoNotStallTheServer()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => gateway.RegisterAsync()));
        foreach (var user in users)
        {
            user.Api.Dispose();
        }

        using var client = gateway.ApiFrom(gateway.NextClientAddress());
        using var health = new HealthProbe(gateway.BaseUri);

        var outcomes = await RunConcurrentlyAsync(32, concurrency: 32, i => LoginStatusAsync(client, users[i].Username, users[i].Password));

        Assert.All(outcomes, o => Assert.Equal(HttpStatusCode.OK, o.Status));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task ARegistrationFloodFromOneAddressIsRefusedAfterTheLimit()
    {
        using var attacker = gateway.ApiFrom(gateway.NextClientAddress());
        using var rss = new RssWatch(gateway);
        using var health = new HealthProbe(gateway.BaseUri);

        var attempts = HostileGateway.RegistrationsPerMinute + 40;
        var outcomes = await RunConcurrentlyAsync(attempts, concurrency: 8, async _ =>
        {
            using var response = await SendJsonAsync(attacker, HttpMethod.Post, "/api/v1/auth/register",
                new { username = $"f{Guid.NewGuid():N}"[..20], password = "flood password 1" });
            return (Status: response.StatusCode, Error: await ErrorOf(response));
        });
        var created = outcomes.Count(o => o.Status == HttpStatusCode.Created);
        var limited = outcomes.Where(o => o.Status == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"201: {created}, 429: {limited.Count}");
        Assert.True(created <= HostileGateway.RegistrationsPerMinute, $"{created} registrations went through; the limit is {HostileGateway.RegistrationsPerMinute} a minute.");
        Assert.Equal(attempts - created, limited.Count);
        Assert.All(limited, o => Assert.True(o.Error is { Code: ErrorCodes.RateLimited, RetryAfterMs: > 0 }, $"{o.Error}"));

        output.WriteLine(rss.AssertGrowthBelow(100 * MiB));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task TwentyFiveDeviceIdsOfOneUserShareOneBudgetAndAtMostTwentyStayConnected()
    {
        var (api, alice, _, _) = await gateway.RegisterAsync();
        using var ownedApi = api;
        var chat = await api.CreateGroupAsync("noise", []);
        using var rss = new RssWatch(gateway);
        using var health = new HealthProbe(gateway.BaseUri);

        var connections = new List<ChatConnection>();
        for (var i = 0; i < 25; i++)
        {
            connections.Add(await ChatConnection.ConnectAsync(gateway.BaseUri, alice.AccessToken, $"device-{i}",
                new ChatConnectionOptions { SendTokenInHeader = true, RecordReceived = false, PublishEvents = false }));
        }

        try
        {
            // The five connected first and never active since are closed with 4001.
            var evicted = connections.Take(5).ToList();
            await Task.WhenAll(evicted.Select(c => c.Closed.WaitAsync(Timeout)));
            Assert.All(evicted, c => Assert.Equal(4001, (int?)c.CloseStatus));
            var open = connections.Skip(5).ToList();
            Assert.All(open, c => Assert.False(c.IsClosed));

            // The twenty left send 100 messages each at once: the user's budget (burst 150, 60 a second) holds.
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(open.SelectMany((c, d) => Enumerable.Range(0, 100).Select(async i =>
            {
                try
                {
                    await c.SendMessageAsync(chat.ChatId, $"{d}-{i}", "flood");
                    return "ok";
                }
                catch (ChatRequestException ex)
                {
                    return ex.Code;
                }
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            var accepted = results.Count(r => r == "ok");
            output.WriteLine($"{accepted} of {results.Length} accepted in {elapsed:F2} s");
            Assert.True(accepted <= 150 + (60 * elapsed) + 5, $"{accepted} sends went through in {elapsed:F2} s; the user's budget is 150 + 60/s.");
            Assert.Equal(results.Length - accepted, results.Count(r => r == ErrorCodes.RateLimited));
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }

        output.WriteLine(rss.AssertGrowthBelow(100 * MiB));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task GroupsOfTwentyThousandIdsAreRefusedWithoutGrowingMemory()
    {
        var (api, _, _, _) = await gateway.RegisterAsync();
        using var ownedApi = api;
        using var rss = new RssWatch(gateway);
        using var health = new HealthProbe(gateway.BaseUri);

        for (var round = 0; round < 5; round++)
        {
            var ids = Enumerable.Range(0, 20_000).Select(_ => "u_" + Guid.NewGuid().ToString("N")).ToList();
            using var response = await SendJsonAsync(api, HttpMethod.Post, "/api/v1/chats", new { kind = "group", name = "huge", member_ids = ids });
            var error = await ErrorOf(response);
            Assert.True(
                response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound && error is { Code: ErrorCodes.BadRequest or ErrorCodes.NotFound },
                $"round {round}: {(int)response.StatusCode} {error}");
        }

        using (var junk = await SendJsonAsync(api, HttpMethod.Post, "/api/v1/chats", new { kind = "group", name = "junk", member_ids = new[] { "u_not-an-id\n" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
        }

        output.WriteLine(rss.AssertGrowthBelow(100 * MiB));
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task LoneSurrogatesAreBadRequestsWithoutErrorLogsAndInvalidUtf8Closes1007()
    {
        var (api, alice, _, _) = await gateway.RegisterAsync();
        using var ownedApi = api;
        var chat = await api.CreateGroupAsync("surrogates", []);
        using var health = new HealthProbe(gateway.BaseUri);
        var errorLinesBefore = ErrorLogLines();

        await using var connection = await ChatConnection.ConnectAsync(gateway.BaseUri, alice.AccessToken, "phone",
            new ChatConnectionOptions { SendTokenInHeader = true, RecordReceived = false });
        string[] frames =
        [
            $$"""{"type":"send_message","req_id":"s1","chat_id":"{{chat.ChatId}}","client_msg_id":"x","text":"a\ud800b"}""",
            $$"""{"type":"send_message","req_id":"s2","chat_id":"{{chat.ChatId}}","client_msg_id":"\udfff","text":"hi"}""",
            """{"type":"send_\ud83d","req_id":"s3"}""",
            """{"type":"fetch_history","req_id":"s4","chat_id":"c_\udc00"}""",
            """{"type":"ping","req_id":"\ud800"}""",
        ];
        for (var round = 0; round < 400; round++)
        {
            foreach (var frame in frames)
            {
                await connection.SendRawAsync(frame);
            }
        }

        // Every frame is answered bad_request (the last without its unreadable req_id), in order, on an
        // open connection; sends and history requests past their budgets are refused by the budget
        // before their fields are read.
        for (var i = 0; i < 400 * frames.Length; i++)
        {
            var error = await connection.WaitForAsync<ErrorEvent>(null, Timeout);
            var budgeted = i % frames.Length is 0 or 1 or 3;
            Assert.True(error.Code == ErrorCodes.BadRequest || (budgeted && error.Code == ErrorCodes.RateLimited), $"frame {i}: {error}");
        }

        await connection.PingAsync();
        Assert.False(connection.IsClosed);
        var newErrorLines = ErrorLogLines() - errorLinesBefore;
        Assert.True(newErrorLines <= 5, $"2,000 bad frames wrote {newErrorLines} error lines to the log.");

        // A text frame that is not UTF-8 closes the connection with 1007.
        using var raw = await OpenRawSocketAsync(alice.AccessToken, "raw", receiveBuffer: 65536);
        await raw.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, 0xFF, (byte)'}' }, WebSocketMessageType.Text, true, CancellationToken.None);
        var (_, _, ended) = await DrainAsync(raw, Timeout);
        Assert.True(ended);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, raw.CloseStatus);

        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    [Fact]
    public async Task WebPushEndpointsInsideTheNetworkAreRefusedAndNeverContacted()
    {
        var (api, _, _, _) = await gateway.RegisterAsync();
        using var ownedApi = api;
        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        v4.Start();
        var port = ((IPEndPoint)v4.LocalEndpoint).Port;
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, port);
        v6.Start();
        using var health = new HealthProbe(gateway.BaseUri);

        string[] endpoints =
        [
            $"https://127.0.0.1:{port}/push",
            $"https://127.1.2.3:{port}/push",
            $"https://[::1]:{port}/push",
            $"https://[::ffff:127.0.0.1]:{port}/push",
            $"https://localhost:{port}/push",
            $"https://{Dns.GetHostName()}:{port}/push",
            "https://10.1.2.3/push",
            "https://192.168.0.1/push",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00:ec2::254]/push",
            "https://0.0.0.0/push",
        ];
        foreach (var endpoint in endpoints)
        {
            using var response = await SendJsonAsync(api, HttpMethod.Put, "/api/v1/me/devices/browser/push-token", new
            {
                platform = "webpush",
                token = new { endpoint, keys = new { p256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth = "tBHItJI5svbpez7KI4CCXg" } },
            });
            var error = await ErrorOf(response);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && error?.Code == ErrorCodes.BadRequest, $"{endpoint}: {(int)response.StatusCode} {error}");
        }

        Assert.False(v4.Pending(), "Something connected to the IPv4 loopback listener.");
        Assert.False(v6.Pending(), "Something connected to the IPv6 loopback listener.");
        output.WriteLine(health.AssertHealthyWithin(HealthBound));
    }

    private int ErrorLogLines() =>
        gateway.Process.LogLinesContaining("fail:").Count + gateway.Process.LogLinesContaining("crit:").Count;

    private async Task SendManyAsync(AuthResult user, string chatId, int count, string text)
    {
        await using var connection = await ChatConnection.ConnectAsync(gateway.BaseUri, user.AccessToken, "writer",
            new ChatConnectionOptions { SendTokenInHeader = true, RecordReceived = false, PublishEvents = false });
        for (var i = 0; i < count; i++)
        {
            while (true)
            {
                try
                {
                    await connection.SendMessageAsync(chatId, $"big-{i}", text);
                    break;
                }
                catch (ChatRequestException ex) when (ex.Code == ErrorCodes.RateLimited)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(ex.RetryAfterMs ?? 100));
                }
            }
        }
    }

    private async Task<ClientWebSocket> OpenRawSocketAsync(string token, string deviceId, int receiveBuffer)
    {
        // A small receive buffer without autotuning, so the server meets a full socket soon.
        // Not disposed here: the socket keeps using its connection after the upgrade.
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = receiveBuffer };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(ChatConnection.BuildWebSocketUri(gateway.BaseUri, null, deviceId), invoker, timeout.Token);
        return socket;
    }

    /// <summary>Sends the frame up to <paramref name="times"/> times; stops when a send cannot get through within a second.</summary>
    private static async Task<int> SendUntilStuckAsync(ClientWebSocket socket, byte[] frame, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var stuck = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, stuck.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
            {
                return i;
            }
        }

        return times;
    }

    /// <summary>Reads until the socket ends or <paramref name="within"/> passes; counts history answers and refusals.</summary>
    private static async Task<(int Answered, int Refused, bool Ended)> DrainAsync(ClientWebSocket socket, TimeSpan within)
    {
        int answered = 0, refused = 0;
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (answered, refused, true);
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                // Only the start of a frame is needed to tell what it is.
                var head = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)Math.Min(message.Length, 200));
                message.SetLength(0);
                if (head.Contains("\"type\":\"ack\"", StringComparison.Ordinal) && head.Contains("\"messages\"", StringComparison.Ordinal))
                {
                    answered++;
                }
                else if (head.Contains("\"type\":\"error\"", StringComparison.Ordinal))
                {
                    refused++;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (answered, refused, socket.State is not WebSocketState.Open);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            return (answered, refused, true);
        }
    }

    private static async Task<List<T>> RunConcurrentlyAsync<T>(int count, int concurrency, Func<int, Task<T>> attempt)
    {
        var results = new T[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                results[i] = await attempt(i);
            }
        }));
        return [.. results];
    }

    private static async Task<(HttpStatusCode Status, ApiError? Error)> LoginStatusAsync(ChatApiClient api, string username, string password)
    {
        using var response = await SendJsonAsync(api, HttpMethod.Post, "/api/v1/auth/login", new { username, password });
        return (response.StatusCode, await ErrorOf(response));
    }

    private static Task<HttpResponseMessage> SendJsonAsync(ChatApiClient api, HttpMethod method, string path, object body) =>
        api.SendRawAsync(method, path, JsonSerializer.Serialize(body));

    private static async Task<ApiError?> ErrorOf(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(body);
            var error = document.RootElement.GetProperty("error");
            return new ApiError(
                error.GetProperty("code").GetString()!,
                error.TryGetProperty("retry_after_ms", out var retry) && retry.ValueKind == JsonValueKind.Number ? retry.GetInt64() : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new ApiError($"unreadable body: {body[..Math.Min(body.Length, 200)]}", null);
        }
    }

    private sealed record ApiError(string Code, long? RetryAfterMs);
}
