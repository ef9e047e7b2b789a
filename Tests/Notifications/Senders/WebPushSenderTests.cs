using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Notifications;
using ChatOrleans.Notifications.Senders;
using ChatOrleans.ServiceDefaults.Notifications;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>
/// The Web Push client against a local push service that checks the VAPID header (RFC 8292)
/// and decrypts the body with the browser's key (RFC 8291), as a real push service and browser would.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebPushSenderTests : IAsyncLifetime, IDisposable
{
    private const string Subject = "mailto:ops@example.com";
    private readonly VapidKeys _vapid = VapidKeys.Generate();
    private readonly ECDiffieHellman _browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);
    private LocalPushService _pushService = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _pushService = await LocalPushService.StartAsync();

    public async Task DisposeAsync()
    {
        _services?.Dispose();
        await _pushService.DisposeAsync();
    }

    public void Dispose() => _browser.Dispose();

    private IPushSender Sender()
    {
        _services = Services(new Dictionary<string, string?>
        {
            ["Notifications:WebPush:Subject"] = Subject,
            ["Notifications:WebPush:PublicKey"] = _vapid.PublicKey,
            ["Notifications:WebPush:PrivateKey"] = _vapid.PrivateKey,

            // The local push service listens on loopback, which a real deployment refuses.
            ["Notifications:WebPush:AllowPrivateNetworkEndpoints"] = "true",
        });
        return _services.Sender(PushPlatform.WebPush);
    }

    /// <summary>The token a browser registers: its subscription as <c>PushSubscription.toJSON()</c> writes it.</summary>
    private PushToken Subscription(string path = "/push/sub-1") => new(PushPlatform.WebPush, JsonSerializer.Serialize(new
    {
        endpoint = new Uri(_pushService.BaseAddress, path).ToString(),
        expirationTime = (long?)null,
        keys = new
        {
            p256dh = Base64Url.EncodeToString(VapidKeys.UncompressedPoint(_browser.ExportParameters(false).Q)),
            auth = Base64Url.EncodeToString(_auth),
        },
    }));

    [Fact]
    public async Task APushIsAnEncryptedPostToTheSubscriptionWithAVapidToken()
    {
        var outcome = await Sender().SendAsync(Subscription(), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        var request = Assert.Single(_pushService.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/push/sub-1", request.Path);
        Assert.Equal("aes128gcm", request.Header("content-encoding"));
        Assert.Equal("application/octet-stream", request.Header("content-type"));
        Assert.Equal("86400", request.Header("ttl"));
        Assert.Equal("high", request.Header("urgency"));
        var topic = request.Header("topic");
        Assert.Equal(32, topic.Length);
        Assert.All(topic, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

        // Authorization: vapid t=<JWT>, k=<public key> (RFC 8292 section 3).
        var authorization = request.Header("authorization");
        Assert.StartsWith("vapid ", authorization, StringComparison.Ordinal);
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(_vapid.PublicKey, parameters["k"]);
        var jwt = Jwt.Parse(parameters["t"]);
        Assert.Equal("ES256", jwt.Header.GetProperty("alg").GetString());
        Assert.Equal(_pushService.BaseAddress.GetLeftPart(UriPartial.Authority), jwt.Claims.GetProperty("aud").GetString());
        Assert.Equal(Subject, jwt.Claims.GetProperty("sub").GetString());
        var expiresIn = DateTimeOffset.FromUnixTimeSeconds(jwt.Claims.GetProperty("exp").GetInt64()) - DateTimeOffset.UtcNow;
        Assert.InRange(expiresIn, TimeSpan.FromHours(1), TimeSpan.FromHours(24));
        using (var vapidPublic = PublicKey(parameters["k"]))
        {
            Assert.True(jwt.VerifiesWith(vapidPublic), "the VAPID token must verify with the key in k");
        }

        var payload = JsonDocument.Parse(BrowserDecrypts(request.Body, _browser, _auth)).RootElement;
        Assert.Equal("Ada", payload.GetProperty("title").GetString());
        Assert.Equal("Lunch at noon?", payload.GetProperty("body").GetString());
        Assert.Equal("c_42", payload.GetProperty("chat_id").GetString());
        Assert.Equal(17, payload.GetProperty("seq").GetInt64());
        Assert.Equal("u_7", payload.GetProperty("sender_id").GetString());
        Assert.Equal(3, payload.GetProperty("badge").GetInt32());
        Assert.False(payload.GetProperty("silent").GetBoolean());
    }

    [Fact]
    public async Task ASilentPushCarriesTheBadgeAtLowUrgency()
    {
        await Sender().SendAsync(Subscription(), Silent, CancellationToken.None);

        var request = Assert.Single(_pushService.Requests);
        Assert.Equal("low", request.Header("urgency"));
        var payload = JsonDocument.Parse(BrowserDecrypts(request.Body, _browser, _auth)).RootElement;
        Assert.True(payload.GetProperty("silent").GetBoolean());
        Assert.Equal(0, payload.GetProperty("badge").GetInt32());
        Assert.False(payload.TryGetProperty("title", out _));
    }

    [Fact]
    public async Task ALongMessageStillFitsOneRecord()
    {
        var message = Alert with { Title = new string('T', 5_000), Body = string.Concat(Enumerable.Repeat("長い😀", 3_000)) };

        Assert.Equal(PushOutcome.Delivered, await Sender().SendAsync(Subscription(), message, CancellationToken.None));

        var payload = JsonDocument.Parse(BrowserDecrypts(Assert.Single(_pushService.Requests).Body, _browser, _auth)).RootElement;
        Assert.StartsWith("長い😀", payload.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheVapidTokenIsReusedForTheSamePushService()
    {
        var sender = Sender();

        await sender.SendAsync(Subscription("/push/a"), Alert, CancellationToken.None);
        await sender.SendAsync(Subscription("/push/b"), Alert, CancellationToken.None);

        Assert.Equal(_pushService.Requests[0].Header("authorization"), _pushService.Requests[1].Header("authorization"));
    }

    [Theory]
    [InlineData(201, PushOutcome.Delivered)]
    [InlineData(404, PushOutcome.InvalidToken)]
    [InlineData(410, PushOutcome.InvalidToken)]
    [InlineData(400, PushOutcome.Failed)]
    [InlineData(413, PushOutcome.Failed)]
    [InlineData(429, PushOutcome.Failed)]
    [InlineData(500, PushOutcome.Failed)]
    [InlineData(502, PushOutcome.Failed)]
    public async Task AnswersMapToWhatTheyMeanForTheSubscription(int status, PushOutcome expected)
    {
        _pushService.Answer = _ => new CannedAnswer(status);

        Assert.Equal(expected, await Sender().SendAsync(Subscription(), Alert, CancellationToken.None));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"endpoint":"https://push.example/x"}""")]
    [InlineData("""{"endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"BBBB"}}""")]
    [InlineData("""{"endpoint":"ftp://push.example/x","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}""")]
    public async Task ATokenThatIsNotASubscriptionIsInvalidWithoutAsking(string token)
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.WebPush, token), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.InvalidToken, outcome);
        Assert.Empty(_pushService.Requests);
    }

    [Fact]
    public async Task AKeyFileIsCreatedOnceAndItsPublicKeyExposed()
    {
        using var folder = new TempDirectory();
        var keyFile = Path.Combine(folder.Path, "keys", "vapid.json");
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:WebPush:Subject"] = Subject,
            ["Notifications:WebPush:KeyFile"] = keyFile,
            ["Notifications:WebPush:AllowPrivateNetworkEndpoints"] = "true",
        };

        string first;
        using (var services = Services(settings))
        {
            first = services.GetRequiredService<WebPushSender>().Keys.PublicKey;
            Assert.True(File.Exists(keyFile));
            Assert.Equal(first, services.GetRequiredService<VapidKeys>().PublicKey);
        }

        using (var services = Services(settings))
        {
            Assert.Equal(first, services.GetRequiredService<WebPushSender>().Keys.PublicKey);
            Assert.Equal(PushOutcome.Delivered, await services.Sender(PushPlatform.WebPush).SendAsync(Subscription(), Alert, CancellationToken.None));
        }

        var k = Assert.Single(_pushService.Requests).Header("authorization").Split("k=")[1];
        Assert.Equal(first, k);
    }

    [Fact]
    public void GeneratedKeysAreAMatchingP256Pair()
    {
        var keys = VapidKeys.Generate();
        Assert.NotEqual(keys, VapidKeys.Generate());

        using var privateKey = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = Base64Url.DecodeFromChars(keys.PrivateKey) });
        byte[] data = [1, 2, 3];
        var signature = privateKey.SignData(data, HashAlgorithmName.SHA256);
        using var publicKey = PublicKey(keys.PublicKey);
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256));
    }

    private static ECDsa PublicKey(string base64Url)
    {
        var point = Base64Url.DecodeFromChars(base64Url);
        Assert.Equal(65, point.Length);
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
    }
}
