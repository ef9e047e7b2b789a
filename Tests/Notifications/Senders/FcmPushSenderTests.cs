using System.Security.Cryptography;
using System.Text.Json;
using System.Web;
using ChatOrleans.Notifications;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>
/// The FCM v1 client against one local server that plays both Google's OAuth 2.0 token
/// endpoint (<c>/token</c>) and the FCM API, checking each request as they do.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FcmPushSenderTests : IAsyncLifetime, IDisposable
{
    private const string SendPath = "/v1/projects/chat-test/messages:send";
    private const string ClientEmail = "push@chat-test.iam.gserviceaccount.com";
    private readonly RSA _accountKey = RSA.Create(2048);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _folder = new();
    private LocalPushService _google = null!;
    private ServiceProvider? _services;
    private int _tokensIssued;

    /// <summary>The answer of the messages:send endpoint; the token endpoint answers itself.</summary>
    private Func<RecordedRequest, CannedAnswer> _sendAnswer = _ => new CannedAnswer(200, """{"name":"projects/chat-test/messages/0:1"}""");

    public async Task InitializeAsync()
    {
        _google = await LocalPushService.StartAsync();
        _google.Answer = request => request.Path == "/token" ? TokenAnswer(request) : _sendAnswer(request);
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

    private Uri TokenUri => new(_google.BaseAddress, "/token");

    private IPushSender Sender()
    {
        var path = Path.Combine(_folder.Path, "service-account.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "chat-test",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = Pem("PRIVATE KEY", _accountKey.ExportPkcs8PrivateKey()),
            ["client_email"] = ClientEmail,
            ["token_uri"] = TokenUri.ToString(),
        }));
        _services = Services(new Dictionary<string, string?>
        {
            ["Notifications:Fcm:Endpoint"] = _google.BaseAddress.ToString(),
            ["Notifications:Fcm:ServiceAccountPath"] = path,
        }, _time);
        return _services.Sender(PushPlatform.Fcm);
    }

    /// <summary>The token endpoint: a valid RS256 assertion from the account buys a bearer token for an hour.</summary>
    private CannedAnswer TokenAnswer(RecordedRequest request)
    {
        var form = HttpUtility.ParseQueryString(request.BodyText);
        if (!request.Header("content-type").StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal)
            || form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return new CannedAnswer(400, """{"error":"unsupported_grant_type"}""");
        }

        var jwt = Jwt.Parse(form["assertion"]!);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var valid = jwt.VerifiesWith(_accountKey)
            && jwt.Header.GetProperty("alg").GetString() == "RS256"
            && jwt.Header.GetProperty("kid").GetString() == "0123456789abcdef"
            && jwt.Claims.GetProperty("iss").GetString() == ClientEmail
            && jwt.Claims.GetProperty("scope").GetString() == "https://www.googleapis.com/auth/firebase.messaging"
            // Google wants this audience whatever address the assertion is posted to.
            && jwt.Claims.GetProperty("aud").GetString() == "https://oauth2.googleapis.com/token"
            && jwt.Claims.GetProperty("iat").GetInt64() == now
            && jwt.Claims.GetProperty("exp").GetInt64() is var exp && exp > now && exp - now <= 3600;
        if (!valid)
        {
            return new CannedAnswer(400, """{"error":"invalid_grant","error_description":"Invalid JWT"}""");
        }

        var n = Interlocked.Increment(ref _tokensIssued);
        return new CannedAnswer(200, $$"""{"access_token":"ya29.token-{{n}}","expires_in":3599,"token_type":"Bearer"}""");
    }

    [Fact]
    public async Task AnAlertIsAnAuthorisedV1SendWithNotificationDataAndPlatformBlocks()
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        Assert.Equal(1, _tokensIssued);
        var send = Assert.Single(_google.RequestsTo(SendPath));
        Assert.Equal("POST", send.Method);
        Assert.Equal("Bearer ya29.token-1", send.Header("authorization"));
        Assert.StartsWith("application/json", send.Header("content-type"), StringComparison.Ordinal);

        var message = JsonDocument.Parse(send.Body).RootElement.GetProperty("message");
        Assert.Equal("fcm-token-1", message.GetProperty("token").GetString());
        Assert.Equal("Ada", message.GetProperty("notification").GetProperty("title").GetString());
        Assert.Equal("Lunch at noon?", message.GetProperty("notification").GetProperty("body").GetString());
        var data = message.GetProperty("data");
        foreach (var field in data.EnumerateObject())
        {
            Assert.Equal(JsonValueKind.String, field.Value.ValueKind);
        }

        Assert.Equal("c_42", data.GetProperty("chat_id").GetString());
        Assert.Equal("17", data.GetProperty("seq").GetString());
        Assert.Equal("u_7", data.GetProperty("sender_id").GetString());
        Assert.Equal("3", data.GetProperty("badge").GetString());
        var android = message.GetProperty("android");
        Assert.Equal("high", android.GetProperty("priority").GetString());
        Assert.Equal("c_42", android.GetProperty("collapse_key").GetString());
        Assert.Equal("86400s", android.GetProperty("ttl").GetString());
        Assert.Equal(3, android.GetProperty("notification").GetProperty("notification_count").GetInt32());
        var apns = message.GetProperty("apns");
        Assert.Equal(3, apns.GetProperty("payload").GetProperty("aps").GetProperty("badge").GetInt32());
        Assert.Equal("10", apns.GetProperty("headers").GetProperty("apns-priority").GetString());
    }

    [Fact]
    public async Task ASilentPushIsADataOnlyMessage()
    {
        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Silent, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        var message = JsonDocument.Parse(Assert.Single(_google.RequestsTo(SendPath)).Body).RootElement.GetProperty("message");
        Assert.False(message.TryGetProperty("notification", out _));
        Assert.False(message.GetProperty("android").TryGetProperty("notification", out _));
        Assert.Equal("0", message.GetProperty("data").GetProperty("badge").GetString());
        var apns = message.GetProperty("apns");
        Assert.Equal("background", apns.GetProperty("headers").GetProperty("apns-push-type").GetString());
        Assert.Equal(1, apns.GetProperty("payload").GetProperty("aps").GetProperty("content-available").GetInt32());
    }

    [Fact]
    public async Task TheAccessTokenIsFetchedOnceForManySendsAndAgainNearItsExpiry()
    {
        var sender = Sender();
        var token = new PushToken(PushPlatform.Fcm, "fcm-token-1");

        await Task.WhenAll(sender.SendAsync(token, Alert, CancellationToken.None), sender.SendAsync(token, Alert, CancellationToken.None));
        await sender.SendAsync(token, Alert, CancellationToken.None);
        Assert.Single(_google.RequestsTo("/token"));
        Assert.All(_google.RequestsTo(SendPath), r => Assert.Equal("Bearer ya29.token-1", r.Header("authorization")));

        _time.Advance(TimeSpan.FromMinutes(56));
        await sender.SendAsync(token, Alert, CancellationToken.None);
        Assert.Equal(2, _google.RequestsTo("/token").Count);
        Assert.Equal("Bearer ya29.token-2", _google.RequestsTo(SendPath)[^1].Header("authorization"));
    }

    [Fact]
    public async Task ARefusedAccessTokenIsReplacedAndTheSendRetriedOnce()
    {
        _sendAnswer = r => r.Header("authorization") == "Bearer ya29.token-1"
            ? new CannedAnswer(401, """{"error":{"code":401,"status":"UNAUTHENTICATED","message":"Request had invalid authentication credentials."}}""")
            : CannedAnswer.Ok;

        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Delivered, outcome);
        Assert.Equal(2, _tokensIssued);
    }

    public static TheoryData<int, string, PushOutcome> Refusals => new()
    {
        {
            404,
            """{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}""",
            PushOutcome.InvalidToken
        },
        {
            400,
            """{"error":{"code":400,"message":"The registration token is not a valid FCM registration token","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"}]}}""",
            PushOutcome.InvalidToken
        },
        {
            400,
            """{"error":{"code":400,"message":"Invalid value","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"},{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message.token","description":"Invalid registration token"}]}]}}""",
            PushOutcome.InvalidToken
        },
        {
            400,
            """{"error":{"code":400,"message":"Invalid value at 'message.android.ttl'","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message.android.ttl","description":"Invalid value"}]}]}}""",
            PushOutcome.Failed
        },
        {
            429,
            """{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Quota exceeded","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}}""",
            PushOutcome.Failed
        },
        {
            500,
            """{"error":{"code":500,"status":"INTERNAL","message":"Internal error"}}""",
            PushOutcome.Failed
        },
        {
            503,
            """{"error":{"code":503,"status":"UNAVAILABLE","message":"The service is currently unavailable."}}""",
            PushOutcome.Failed
        },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task RefusalsMapToWhatTheyMeanForTheToken(int status, string body, PushOutcome expected)
    {
        _sendAnswer = _ => new CannedAnswer(status, body);

        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None);

        Assert.Equal(expected, outcome);
    }

    [Fact]
    public async Task ATokenEndpointThatRefusesTheAccountIsAFailureNotAnInvalidToken()
    {
        _google.Answer = r => r.Path == "/token" ? new CannedAnswer(400, """{"error":"invalid_grant"}""") : CannedAnswer.Ok;

        var outcome = await Sender().SendAsync(new PushToken(PushPlatform.Fcm, "fcm-token-1"), Alert, CancellationToken.None);

        Assert.Equal(PushOutcome.Failed, outcome);
        Assert.Empty(_google.RequestsTo(SendPath));
    }
}
