using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOrleans.Client;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Media;
using Microsoft.AspNetCore.WebUtilities;
using ClientSettings = ChatOrleans.Client.NotificationSettings;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// Walks every path of the protocol that carries a secret, against one gateway of a running set
/// of processes, and records each secret it used in a <see cref="SecretLedger"/>: passwords
/// (register, login, a wrong and a refused one), access tokens, a WebSocket ticket (used, then
/// replayed), tokens in the URL and the header (good and forged), message text (sent, edited,
/// deleted, refused, malformed, searched for, previewed in a push and an email), push tokens (FCM
/// and a Web Push subscription; FCM's OAuth token), the signatures of media URLs, and the operator credential on
/// <c>/metrics</c> and the dashboard (right and wrong).
/// </summary>
internal sealed class SecretScenario(Uri gateway, IReadOnlyList<ClusterProcess> processes, SecretLedger secrets, FakeFcm fcm)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Where the Web Push subscription points: a closed loopback port, so the push fails without leaving the machine.</summary>
    public int PushPort { get; } = Infrastructure.FreePorts.Next();

    public async Task RunAsync(string operatorUsername, string operatorPassword, IEnumerable<Uri> operatorEndpoints)
    {
        // Accounts: two registrations, a wrong password, a refused one, a good login.
        using var aliceApi = new ChatApiClient(gateway, Http);
        using var bobApi = new ChatApiClient(gateway, Http);
        var aliceName = Proto.UniqueName();
        var alicePassword = secrets.Add("password (register)", SecretLedger.Fresh("pw-alice-"));
        var alice = await aliceApi.RegisterAsync(aliceName, alicePassword);
        secrets.Add("access token (register)", alice.AccessToken);
        var bob = await bobApi.RegisterAsync(Proto.UniqueName(), secrets.Add("password (register)", SecretLedger.Fresh("pw-bob-")));
        secrets.Add("access token (register)", bob.AccessToken);

        var wrong = secrets.Add("password (wrong login)", SecretLedger.Fresh("pw-wrong-"));
        await Proto.AssertApiErrorAsync(() => new ChatApiClient(gateway, Http).LoginAsync(aliceName, wrong), HttpStatusCode.Unauthorized, "unauthorized");
        await Proto.AssertApiErrorAsync(() => new ChatApiClient(gateway, Http).LoginAsync("nobody" + aliceName[..10], wrong), HttpStatusCode.Unauthorized, "unauthorized");
        var tooLong = secrets.Add("password (refused at register)", SecretLedger.Fresh("pw-long-") + new string('p', 130));
        await Proto.AssertApiErrorAsync(() => new ChatApiClient(gateway, Http).RegisterAsync(Proto.UniqueName(), tooLong), HttpStatusCode.BadRequest, "bad_request");
        var garbled = secrets.Add("password (malformed body)", SecretLedger.Fresh("pw-garbled-"));
        using (var anonymous = new ChatApiClient(gateway, Http))
        using (var refused = await anonymous.SendRawAsync(HttpMethod.Post, "api/v1/auth/login", $$"""{"username":"{{aliceName}}","password":"{{garbled}}" """, authenticate: false))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var bulky = secrets.Add("password (body over the limit)", SecretLedger.Fresh("pw-bulky-"));
        // With Expect: 100-continue the client waits for the server's word before it sends the body,
        // so the refusal is read whole instead of racing the upload (the server closes the
        // connection after a 413, and a client still writing would see a broken pipe instead).
        using (var bulkyRegister = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "api/v1/auth/register")))
        {
            bulkyRegister.Content = new StringContent(
                $$"""{"username":"{{Proto.UniqueName()}}","password":"{{bulky}}","display_name":"{{new string('d', 1_100_000)}}"}""", Encoding.UTF8, "application/json");
            bulkyRegister.Headers.ExpectContinue = true;
            using var refused = await Http.SendAsync(bulkyRegister);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        }

        var login = await aliceApi.LoginAsync(aliceName, alicePassword);
        secrets.Add("access token (login)", login.AccessToken);

        var chatId = (await aliceApi.CreateDirectChatAsync(bob.UserId)).Chat.ChatId;

        // Bob stays offline with every notification on: his devices' push tokens and his address.
        var address = secrets.Add("email address", SecretLedger.Fresh("bob-") + "@example.com");
        await bobApi.UpdateNotificationSettingsAsync(new ClientSettings(Push: true, Email: true, EmailAddress: address, EmailDelayMinutes: 1, Previews: true));
        var fcmToken = secrets.Add("push token (fcm)", SecretLedger.Fresh("fcm-"));
        await bobApi.SetPushTokenAsync("phone", "fcm", fcmToken);
        await bobApi.SetPushTokenAsync("browser", "webpush", WebPushSubscription());

        // The WebSocket: a ticket, then the same ticket again; the header; the legacy query parameter; forged tokens.
        var (ticket, _) = await WsTicketTests.TakeTicketAsync(gateway, login.AccessToken);
        secrets.Add("ws ticket", ticket);
        await using var tab = await WsTicketTests.ConnectWithTicketAsync(gateway, ticket, "tab");
        Assert.Equal(HttpStatusCode.Unauthorized, await WsTicketTests.RefusalAsync(WsTicketTests.TicketUri(gateway, ticket, "tab2")));
        await using var phone = await ChatConnection.ConnectAsync(gateway, login.AccessToken, "phone");
        await using var legacy = await ChatConnection.ConnectAsync(gateway, alice.AccessToken, "legacy", new ChatConnectionOptions { SendTokenInHeader = false });
        var forged = secrets.Add("access token (forged)", ForgedToken(alice.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await WsTicketTests.RefusalAsync(ChatConnection.BuildWebSocketUri(gateway, forged, "forged")));
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalWithHeaderAsync(forged));
        Assert.Equal(HttpStatusCode.BadRequest, await WsTicketTests.RefusalAsync(ChatConnection.BuildWebSocketUri(gateway, login.AccessToken, "not a device id!")));
        Assert.StartsWith("HTTP/1.1 400", await MalformedRequestAsync($"/w\u0000s?access_token={forged}&device_id=x"), StringComparison.Ordinal);
        using (var refused = await SendAsync(HttpMethod.Get, "api/v1/me", forged))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Message text: sent (with media), edited, deleted, refused, malformed, searched for.
        var media = await UploadAsync(aliceApi);
        var word = SecretLedger.Fresh("w");
        var sent = await tab.SendMessageAsync(chatId, "m1", secrets.Add("message text (sent)", "the vault code is " + word), [media.MediaId]);
        secrets.Add("message text (searched word)", word);
        try
        {
            // An edit where the server has edits; where it has none yet, the refusal of an unknown frame.
            await tab.RequestAsync("edit_message", Proto.Fields(("chat_id", chatId), ("message_id", sent.MessageId), ("text", secrets.Add("message text (edit)", SecretLedger.Fresh("edited to "))))).WaitAsync(Timeout);
        }
        catch (ChatRequestException refused) when (refused.Error.Code == "bad_request")
        {
        }

        var doomed = await phone.SendMessageAsync(chatId, "m2", secrets.Add("message text (deleted)", SecretLedger.Fresh("regret this ")));
        await phone.DeleteMessageAsync(chatId, doomed.MessageId).WaitAsync(Timeout);
        await Assert.ThrowsAsync<ChatRequestException>(() => legacy.SendMessageAsync("c_" + Guid.NewGuid().ToString("N"), "m3", secrets.Add("message text (send to an unknown chat)", SecretLedger.Fresh("lost "))));
        await Assert.ThrowsAsync<ChatRequestException>(() => legacy.SendMessageAsync(chatId, "m4", secrets.Add("message text (over the limit)", SecretLedger.Fresh("huge ")) + new string('z', 16_001)));
        var malformed = secrets.Add("message text (malformed frame)", SecretLedger.Fresh("broken "));
        await legacy.SendRawAsync($$"""{"type":"send_message","req_id":"bad1","chat_id":"{{chatId}}","text":"{{malformed}}" """);
        await legacy.WaitForAsync<ErrorEvent>(e => e.Code == "bad_request", Timeout);
        var oversized = secrets.Add("message text (frame over the limit)", SecretLedger.Fresh("vast "));
        await legacy.SendRawAsync($$"""{"type":"send_message","req_id":"big1","chat_id":"{{chatId}}","client_msg_id":"m5","text":"{{oversized}}{{new string('v', 70_000)}}"}""");
        await legacy.WaitForAsync<ErrorEvent>(e => e.Code == "too_large", Timeout);
        await legacy.SendRawAsync($$"""{"type":"no_such_frame","req_id":"bad2","text":"{{secrets.Add("message text (unknown frame)", SecretLedger.Fresh("odd "))}}"}""");
        await legacy.WaitForAsync<ErrorEvent>(e => e.ReqId == "bad2", Timeout);
        using (var search = await SendAsync(HttpMethod.Get, $"api/v1/search?q={Uri.EscapeDataString(word)}", login.AccessToken))
        {
            // Words of a message in a query string, whether or not this server has search yet.
            Assert.True(search.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"GET /search: {(int)search.StatusCode}");
        }

        // The previews reach FCM (with its OAuth token) and the relay's stand-in, and the Web Push sender tries its endpoint.
        await fcm.WaitForSendAsync(fcmToken, Timeout);
        await WaitForLineAsync("Email (not sent: no relay configured)");
        await WaitForLineAsync("could not be reached");

        // The operator credential, right and wrong, on every operator endpoint.
        var wrongOperator = secrets.Add("operator password (wrong)", SecretLedger.Fresh("op-wrong-"));
        foreach (var target in operatorEndpoints)
        {
            Assert.Equal(HttpStatusCode.OK, await OperatorGetAsync(target, operatorUsername, operatorPassword));
            Assert.Equal(HttpStatusCode.Unauthorized, await OperatorGetAsync(target, operatorUsername, wrongOperator));
        }

        await tab.CloseAsync();
        await phone.CloseAsync();
        await legacy.CloseAsync();
    }

    /// <summary>Waits until a line holding <paramref name="text"/> appears in the output of any of the processes.</summary>
    public async Task WaitForLineAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!processes.Any(p => p.LogLinesContaining(text).Count > 0))
        {
            if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"No process logged \"{text}\" within {Timeout}.\n{string.Join('\n', processes.Select(p => p.LogTail(40)))}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Uploads an image, completes it and reads it back: the signed upload, download and thumbnail URLs.</summary>
    private async Task<Client.Media> UploadAsync(ChatApiClient api)
    {
        var png = TestFiles.Png(64, 48);
        var upload = await api.CreateUploadAsync("secret-plan.png", "image/png", png.Length);
        AddSignature("signed upload URL", upload.UploadUrl);
        await api.UploadAsync(upload, png);
        var completed = await api.CompleteUploadAsync(upload.MediaId);
        Assert.Equal("ready", completed.Status);
        var media = await api.GetMediaAsync(upload.MediaId);
        foreach (var url in new[] { completed.Url, completed.ThumbnailUrl, media.Url, media.ThumbnailUrl })
        {
            AddSignature("signed download URL", url!);
        }

        using var download = await Http.GetAsync(new Uri(gateway, media.Url!));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        return media;
    }

    /// <summary>The signature of a signed URL (<c>sig</c>) and its whole query.</summary>
    private void AddSignature(string kind, string url)
    {
        var query = new Uri(gateway, url).Query;
        var sig = QueryHelpers.ParseQuery(query)["sig"].ToString();
        Assert.False(string.IsNullOrEmpty(sig), $"{kind} has no sig: {url}");
        secrets.Add(kind + " (sig)", sig);
        secrets.Add(kind + " (query)", query.TrimStart('?'));
    }

    /// <summary>A subscription as a browser makes it: a capability URL and the device's encryption keys.</summary>
    private JsonElement WebPushSubscription()
    {
        using var device = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var point = device.ExportParameters(false).Q;
        var p256dh = secrets.Add("web push key (p256dh)", Base64Url([0x04, .. point.X!, .. point.Y!]));
        var auth = secrets.Add("web push key (auth)", Base64Url(RandomNumberGenerator.GetBytes(16)));
        var capability = secrets.Add("web push endpoint (path)", SecretLedger.Fresh("sub-"));
        var subscription = new JsonObject
        {
            ["endpoint"] = $"https://127.0.0.1:{PushPort}/push/{capability}",
            ["keys"] = new JsonObject { ["p256dh"] = p256dh, ["auth"] = auth },
        };
        return JsonSerializer.SerializeToElement(subscription);
    }

    /// <summary>The token's header and claims with a signature of random bytes.</summary>
    private static string ForgedToken(string token) =>
        token[..(token.LastIndexOf('.') + 1)] + Base64Url(RandomNumberGenerator.GetBytes(32));

    private async Task<HttpStatusCode> RefusalWithHeaderAsync(string token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        try
        {
            await socket.ConnectAsync(ChatConnection.BuildWebSocketUri(gateway, null, "header"), CancellationToken.None);
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    /// <summary>A request Kestrel refuses before any middleware (a NUL in the target); the status line of its answer.</summary>
    private async Task<string> MalformedRequestAsync(string target)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(gateway.Host, gateway.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {gateway.Authority}\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync().WaitAsync(Timeout) ?? "";
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, new Uri(gateway, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    private static async Task<HttpStatusCode> OperatorGetAsync(Uri endpoint, string username, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
