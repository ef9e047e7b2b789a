using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Notifications;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>The APNs client against a local HTTP/2 server that checks requests as APNs does.</summary>
[Trait("Category", "Integration")]
public sealed class ApnsPushSenderTests : IAsyncLifetime, IDisposable
{
    private const string DeviceToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private readonly ECDsa _authKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private LocalPushService _apns = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _apns = await LocalPushService.StartAsync(HttpProtocols.Http2);

    public async Task DisposeAsync()
    {
        _services?.Dispose();
        await _apns.DisposeAsync();
    }

    public void Dispose() => _authKey.Dispose();

    private IPushSender Sender(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Apns:Endpoint"] = _apns.BaseAddress.ToString(),
            ["Notifications:Apns:TeamId"] = "TEAM123456",
            ["Notifications:Apns:KeyId"] = "KEY7654321",
            ["Notifications:Apns:PrivateKey"] = Pem("PRIVATE KEY", _authKey.ExportPkcs8PrivateKey()),
            ["Notifications:Apns:BundleId"] = "com.example.chat",
            ["Notifications:Apns:Timeout"] = "00:00:02",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        _services = Services(settings, _time);
        return _services.Sender(PushPlatform.Apns);
    }

    [Fact]
    public async Task AnAlertIsAnHttp2PostWithTheProviderTokenHeadersAndPayloadApnsExpects()
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        var request = Assert.Single(_apns.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("HTTP/2", request.Protocol);
        Assert.Equal($"/3/device/{DeviceToken}", request.Path);
        Assert.Equal("com.example.chat", request.Header("apns-topic"));
        Assert.Equal("alert", request.Header("apns-push-type"));
        Assert.Equal("10", request.Header("apns-priority"));
        Assert.Equal((_time.GetUtcNow() + TimeSpan.FromDays(1)).ToUnixTimeSeconds().ToString(), request.Header("apns-expiration"));
        Assert.Equal("c_42", request.Header("apns-collapse-id"));

        var authorization = request.Header("authorization");
        Assert.StartsWith("bearer ", authorization, StringComparison.Ordinal);
        var jwt = Jwt.Parse(authorization["bearer ".Length..]);
        Assert.Equal("ES256", jwt.Header.GetProperty("alg").GetString());
        Assert.Equal("KEY7654321", jwt.Header.GetProperty("kid").GetString());
        Assert.Equal("TEAM123456", jwt.Claims.GetProperty("iss").GetString());
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), jwt.Claims.GetProperty("iat").GetInt64());
        Assert.True(jwt.VerifiesWith(_authKey), "the provider token must verify with the auth key's public half");
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(jwt.VerifiesWith(otherKey));

        var payload = JsonDocument.Parse(request.Body).RootElement;
        var aps = payload.GetProperty("aps");
        Assert.Equal("Ada", aps.GetProperty("alert").GetProperty("title").GetString());
        Assert.Equal("Lunch at noon?", aps.GetProperty("alert").GetProperty("body").GetString());
        Assert.Equal(3, aps.GetProperty("badge").GetInt32());
        Assert.Equal("default", aps.GetProperty("sound").GetString());
        Assert.Equal("c_42", aps.GetProperty("thread-id").GetString());
        Assert.False(aps.TryGetProperty("content-available", out _));
        Assert.Equal("c_42", payload.GetProperty("chat_id").GetString());
        Assert.Equal(17, payload.GetProperty("seq").GetInt64());
        Assert.Equal("u_7", payload.GetProperty("sender_id").GetString());
    }

    [Fact]
    public async Task ASilentPushIsABackgroundPushAtPriorityFiveWithOnlyTheBadge()
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Silent, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        var request = Assert.Single(_apns.Requests);
        Assert.Equal("background", request.Header("apns-push-type"));
        Assert.Equal("5", request.Header("apns-priority"));
        var aps = JsonDocument.Parse(request.Body).RootElement.GetProperty("aps");
        Assert.Equal(1, aps.GetProperty("content-available").GetInt32());
        Assert.Equal(0, aps.GetProperty("badge").GetInt32());
        Assert.False(aps.TryGetProperty("alert", out _));
        Assert.False(aps.TryGetProperty("sound", out _));
    }

    [Fact]
    public async Task TheKeyCanComeFromTheP8File()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "AuthKey_KEY7654321.p8");
        await File.WriteAllTextAsync(path, Pem("PRIVATE KEY", _authKey.ExportPkcs8PrivateKey()));
        var sender = Sender(new() { ["Notifications:Apns:PrivateKey"] = null, ["Notifications:Apns:PrivateKeyPath"] = path });

        Assert.Equal(PushOutcome.Delivered, await sender.SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, CancellationToken.None));
        Assert.True(Jwt.Parse(Assert.Single(_apns.Requests).Header("authorization")["bearer ".Length..]).VerifiesWith(_authKey));
    }

    [Theory]
    [InlineData(410, "Unregistered", PushOutcome.InvalidToken)]
    [InlineData(400, "BadDeviceToken", PushOutcome.InvalidToken)]
    [InlineData(400, "DeviceTokenNotForTopic", PushOutcome.InvalidToken)]
    [InlineData(400, "BadCollapseId", PushOutcome.Failed)]
    [InlineData(413, "PayloadTooLarge", PushOutcome.Failed)]
    [InlineData(429, "TooManyRequests", PushOutcome.Failed)]
    [InlineData(500, "InternalServerError", PushOutcome.Failed)]
    [InlineData(503, "ServiceUnavailable", PushOutcome.Failed)]
    public async Task RefusalsMapToWhatTheyMeanForTheToken(int status, string reason, PushOutcome expected)
    {
        _apns.Answer = _ => new CannedAnswer(status, $$"""{"reason":"{{reason}}"}""");

        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, CancellationToken.None);

        Assert.Equal(expected, outcome);
    }

    [Fact]
    public async Task ALongMessageIsClippedToFitTheFourKilobytePayload()
    {
        var message = Alert with { Body = string.Concat(Enumerable.Repeat("長い😀", 3_000)) };

        await Sender().SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), message, CancellationToken.None);

        var request = Assert.Single(_apns.Requests);
        Assert.InRange(request.Body.Length, 1, 4096);
        var body = JsonDocument.Parse(request.Body).RootElement.GetProperty("aps").GetProperty("alert").GetProperty("body").GetString()!;
        Assert.StartsWith("長い😀長い😀", body, StringComparison.Ordinal);
        Assert.EndsWith("…", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenThatIsNotHexIsInvalidWithoutAsking()
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Apns, "not/a-token"), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.InvalidToken, outcome);
        Assert.Empty(_apns.Requests);
    }

    [Fact]
    public async Task TheProviderTokenIsReusedAndReplacedBeforeItIsAnHourOld()
    {
        var sender = Sender();
        var token = new PushToken(PushPlatform.Apns, DeviceToken);

        await sender.SendAsync(token, Alert, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(30));
        await sender.SendAsync(token, Alert, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(21));
        await sender.SendAsync(token, Alert, CancellationToken.None);

        var jwts = _apns.Requests.Select(r => r.Header("authorization")).ToArray();
        Assert.Equal(jwts[0], jwts[1]);
        Assert.NotEqual(jwts[1], jwts[2]);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), Jwt.Parse(jwts[2]["bearer ".Length..]).Claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task AnExpiredProviderTokenIsReplacedAndThePushRetriedOnce()
    {
        var calls = 0;
        _apns.Answer = _ => Interlocked.Increment(ref calls) == 1 ? new CannedAnswer(403, """{"reason":"ExpiredProviderToken"}""") : CannedAnswer.Ok;

        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        Assert.Equal(2, _apns.Requests.Count);
        Assert.NotEqual(_apns.Requests[0].Header("authorization"), _apns.Requests[1].Header("authorization"));
    }

    [Fact]
    public async Task AServiceThatNeverAnswersIsAFailureAfterTheTimeout()
    {
        _apns.Answer = _ => new CannedAnswer(0, Hang: true);
        var sender = Sender(new() { ["Notifications:Apns:Timeout"] = "00:00:00.500" });

        var outcome = await sender.SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(PushOutcome.Failed, outcome);
    }

    [Fact]
    public async Task CancellingTheCallEndsAWaitingSend()
    {
        _apns.Answer = _ => new CannedAnswer(0, Hang: true);
        var sender = Sender(new() { ["Notifications:Apns:Timeout"] = "00:01:00" });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => sender.SendAsync(new PushToken(PushPlatform.Apns, DeviceToken), Alert, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
