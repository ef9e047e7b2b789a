using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Web;
using ChatOrleans.Notifications;
using ChatOrleans.Notifications.Senders;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>
/// The service account's OAuth credential (Google.Apis.Auth) as the FCM sender uses it: the grant
/// it posts, the host's HTTP client it goes through, the timeout and refresh margin it keeps.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FcmCredentialTests : IAsyncLifetime, IDisposable
{
    private const string SendPath = "/v1/projects/chat-test/messages:send";
    private const string ClientEmail = "push@chat-test.iam.gserviceaccount.com";
    private readonly RSA _accountKey = RSA.Create(2048);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _folder = new();
    private readonly ConcurrentQueue<string> _throughHostClient = new();
    private readonly ConcurrentQueue<string> _grants = new();
    private LocalPushService _google = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        _google = await LocalPushService.StartAsync();
        _google.Answer = request =>
        {
            if (request.Path != "/token")
            {
                return CannedAnswer.Ok;
            }

            _grants.Enqueue(HttpUtility.ParseQueryString(request.BodyText)["assertion"]!);
            return new CannedAnswer(200, $$"""{"access_token":"ya29.token-{{_grants.Count}}","expires_in":3599,"token_type":"Bearer"}""");
        };
    }

    public async Task DisposeAsync()
    {
        _services?.Dispose();
        await _google.DisposeAsync();
    }

    public void Dispose()
    {
        _accountKey.Dispose();
        _folder.Dispose();
    }

    /// <summary>The sender as a silo builds it, with a handler of the test's on the host's <c>fcm</c> client that notes each request's path.</summary>
    private IPushSender Sender(Dictionary<string, string?>? extra = null)
    {
        var path = Path.Combine(_folder.Path, "service-account.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "chat-test",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = Pem("PRIVATE KEY", _accountKey.ExportPkcs8PrivateKey()),
            ["client_email"] = ClientEmail,
            ["token_uri"] = new Uri(_google.BaseAddress, "/token").ToString(),
        }));
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Fcm:Endpoint"] = _google.BaseAddress.ToString(),
            ["Notifications:Fcm:ServiceAccountPath"] = path,
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time);
        services.AddNotificationSenders(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddHttpClient(FcmPushSender.HttpClientName).AddHttpMessageHandler(() => new NotingHandler(_throughHostClient));
        _services = services.BuildServiceProvider();
        return _services.Sender(PushPlatform.Fcm);
    }

    [Fact]
    public async Task TheGrantIsAJwtSignedWithTheAccountsKeyForTheMessagingScope()
    {
        Assert.Equal(PushOutcome.Delivered, await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None));

        var grant = Assert.Single(_grants);
        using var publicKey = RSA.Create(_accountKey.ExportParameters(includePrivateParameters: false));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(grant, new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(publicKey),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidIssuer = ClientEmail,
            ValidAudience = "https://oauth2.googleapis.com/token",
            // The assertion is stamped by the test's clock, not the machine's.
            LifetimeValidator = (notBefore, expires, _, _) => expires > _time.GetUtcNow().UtcDateTime,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("0123456789abcdef", token.Kid);
        Assert.Equal("https://www.googleapis.com/auth/firebase.messaging", token.GetClaim("scope").Value);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, token.IssuedAt);
        Assert.Equal(TimeSpan.FromHours(1), token.ValidTo - token.IssuedAt);

        using var otherKey = RSA.Create(2048);
        Assert.False((await new JsonWebTokenHandler().ValidateTokenAsync(grant, new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(otherKey),
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
        })).IsValid);
    }

    [Fact]
    public async Task TheTokenExchangeGoesThroughTheHostsFcmClientLikeTheSends()
    {
        await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None);

        Assert.Equal(["/token", SendPath], _throughHostClient);
    }

    [Fact]
    public async Task ATokenEndpointThatNeverAnswersFailsTheSendAfterTheTimeout()
    {
        _google.Answer = request => request.Path == "/token" ? new CannedAnswer(0, Hang: true) : CannedAnswer.Ok;
        var sender = Sender(new() { ["Notifications:Fcm:Timeout"] = "00:00:00.500" });
        var clock = Stopwatch.StartNew();

        var outcome = await sender.SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(PushOutcome.Failed, outcome);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Empty(_google.RequestsTo(SendPath));
    }

    [Fact]
    public async Task TheRefreshMarginDecidesWhenTheNextTokenIsFetched()
    {
        var sender = Sender(new() { ["Notifications:Fcm:TokenRefreshMargin"] = "00:15:00" });
        var token = new PushToken(PushPlatform.Fcm, "fcm-token-1");

        await sender.SendAsync(token, Alert, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(44));
        await sender.SendAsync(token, Alert, CancellationToken.None);
        Assert.Single(_grants);

        _time.Advance(TimeSpan.FromMinutes(1));
        await sender.SendAsync(token, Alert, CancellationToken.None);
        Assert.Equal(2, _grants.Count);
        Assert.Equal("Bearer ya29.token-2", _google.RequestsTo(SendPath)[^1].Header("authorization"));
    }

    private sealed class NotingHandler(ConcurrentQueue<string> paths) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
