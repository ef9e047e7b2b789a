using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Sends to Android (and any FCM-registered) devices through the FCM HTTP v1 API:
/// <c>POST /v1/projects/{project}/messages:send</c> with a service account's OAuth 2.0 bearer
/// token (see <see cref="FcmCredential"/>). A silent push is a data-only message, so the app
/// updates its badge without the system showing anything.
/// </summary>
public sealed partial class FcmPushSender : IPushSender, IDisposable
{
    public const string HttpClientName = "fcm";

    private readonly IHttpClientFactory _httpClients;
    private readonly FcmOptions _options;
    private readonly ILogger<FcmPushSender> _logger;
    private readonly TimeProvider _time;
    private readonly ServiceAccountCredential _credential;
    private readonly Uri _sendUri;

    public FcmPushSender(
        IHttpClientFactory httpClients, IHttpMessageHandlerFactory httpHandlers, IOptions<FcmOptions> options, TimeProvider time, ILogger<FcmPushSender> logger)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _logger = logger;
        _time = time;
        var account = FcmCredential.Load(_options.ServiceAccountPath!);
        var projectId = _options.ProjectId ?? account.ProjectId
            ?? throw new InvalidOperationException("Notifications:Fcm:ProjectId is required when the service account names no project_id");
        var tokenUri = _options.TokenUri ?? new Uri(account.TokenUri ?? FcmCredential.DefaultTokenUri);
        _credential = FcmCredential.Create(account, tokenUri, time, httpHandlers, HttpClientName, _options.Timeout);
        _sendUri = new Uri($"{_options.Endpoint.ToString().TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(projectId)}/messages:send");
    }

    public PushPlatform Platform => PushPlatform.Fcm;

    public async Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(token.Token))
        {
            return PushOutcome.InvalidToken;
        }

        var client = _httpClients.CreateClient(HttpClientName);
        var body = new JsonObject { ["message"] = Message(token.Token, message, _options.TimeToLive) }.ToJsonString(PushText.Json);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var accessToken = await AccessTokenAsync(cancellationToken).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Post, _sendUri)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return PushOutcome.Delivered;
                }

                var error = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    // A token revoked or expired early: fetch a new one, once.
                    _credential.Token = null;
                    if (attempt == 1)
                    {
                        continue;
                    }
                }

                var outcome = Outcome(response.StatusCode, error);
                LogRefused(_logger, (int)response.StatusCode, error, outcome);
                return outcome;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TokenResponseException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // TokenResponseException: the token endpoint refused the service account.
            LogUnreachable(_logger, e);
            return PushOutcome.Failed;
        }
    }

    public void Dispose() => _credential.Key.Dispose();

    /// <summary>
    /// The credential's token. Google.Apis.Auth renews a token only in its last minutes; one
    /// within <see cref="FcmOptions.TokenRefreshMargin"/> of its expiry is let go first, so that
    /// the library fetches the next one (one exchange that the concurrent sends wait for).
    /// </summary>
    private async Task<string> AccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_credential.Token is { ExpiresInSeconds: { } lifetime } current
            && current.IssuedUtc.AddSeconds(lifetime) - _options.TokenRefreshMargin <= _time.GetUtcNow().UtcDateTime)
        {
            _credential.Token = null;
        }

        // The library gives a hung exchange tries of its own (12 s, a minute, five); a send waits
        // for it no longer than for any other request, and a later send finds what it got.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            return await _credential.GetAccessTokenForRequestAsync(cancellationToken: deadline.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            // What the library throws once all its tries have timed out.
            throw new HttpRequestException("The token endpoint gave no access token", e);
        }
    }

    /// <summary>
    /// What an FCM error means for the token: UNREGISTERED (404) is an uninstalled app or an
    /// expired token; INVALID_ARGUMENT counts only when it is about <c>message.token</c>, because
    /// a malformed message of ours must not make every device forget its token.
    /// </summary>
    internal static PushOutcome Outcome(HttpStatusCode status, string errorBody)
    {
        if (status == HttpStatusCode.NotFound)
        {
            return PushOutcome.InvalidToken;
        }

        try
        {
            using var json = JsonDocument.Parse(errorBody);
            if (!json.RootElement.TryGetProperty("error", out var error))
            {
                return PushOutcome.Failed;
            }

            var aboutToken = error.TryGetProperty("message", out var text)
                && text.GetString() is { } messageText
                && messageText.Contains("registration token", StringComparison.OrdinalIgnoreCase);
            string? errorCode = null;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var detail in details.EnumerateArray())
                {
                    if (detail.TryGetProperty("errorCode", out var code))
                    {
                        errorCode = code.GetString();
                    }

                    if (detail.TryGetProperty("fieldViolations", out var violations) && violations.ValueKind == JsonValueKind.Array)
                    {
                        aboutToken |= violations.EnumerateArray().Any(v =>
                            v.TryGetProperty("field", out var field) && field.GetString() == "message.token");
                    }
                }
            }

            errorCode ??= error.TryGetProperty("status", out var s) ? s.GetString() : null;
            return errorCode switch
            {
                "UNREGISTERED" => PushOutcome.InvalidToken,
                "INVALID_ARGUMENT" when status == HttpStatusCode.BadRequest && aboutToken => PushOutcome.InvalidToken,
                _ => PushOutcome.Failed,
            };
        }
        catch (JsonException)
        {
            return PushOutcome.Failed;
        }
    }

    internal static JsonObject Message(string deviceToken, PushMessage message, TimeSpan timeToLive)
    {
        var result = new JsonObject { ["token"] = deviceToken };
        if (!message.Silent)
        {
            result["notification"] = Notification(message);
        }

        result["data"] = Data(message);
        result["android"] = Android(message, timeToLive);
        result["apns"] = Apns(message);
        return result;
    }

    private static JsonObject Notification(PushMessage message)
    {
        var notification = new JsonObject();
        if (message.Title is not null)
        {
            notification["title"] = PushText.Clip(message.Title, PushText.MaxTitleChars);
        }

        if (message.Body is not null)
        {
            notification["body"] = PushText.Clip(message.Body, PushText.MaxBodyChars);
        }

        return notification;
    }

    private static JsonObject Data(PushMessage message)
    {
        // FCM data values must all be strings.
        var data = new JsonObject { ["badge"] = message.Badge.ToString(CultureInfo.InvariantCulture) };
        if (message.ChatId is not null)
        {
            data["chat_id"] = message.ChatId;
        }

        if (message.Seq is { } seq)
        {
            data["seq"] = seq.ToString(CultureInfo.InvariantCulture);
        }

        if (message.SenderId is not null)
        {
            data["sender_id"] = message.SenderId;
        }

        return data;
    }

    private static JsonObject Android(PushMessage message, TimeSpan timeToLive)
    {
        var android = new JsonObject
        {
            ["priority"] = message.Silent ? "normal" : "high",
            ["ttl"] = $"{(long)timeToLive.TotalSeconds}s",
        };
        if (message.ChatId is not null)
        {
            android["collapse_key"] = message.ChatId;
        }

        if (!message.Silent)
        {
            var androidNotification = new JsonObject { ["notification_count"] = message.Badge };
            if (message.ChatId is not null)
            {
                // A newer notification of the chat replaces the shown one.
                androidNotification["tag"] = message.ChatId;
            }

            android["notification"] = androidNotification;
        }

        return android;
    }

    private static JsonObject Apns(PushMessage message)
    {
        var aps = new JsonObject();
        var apnsHeaders = new JsonObject();
        if (message.Silent)
        {
            aps["content-available"] = 1;
            apnsHeaders["apns-push-type"] = "background";
            apnsHeaders["apns-priority"] = "5";
        }
        else
        {
            aps["sound"] = "default";
            apnsHeaders["apns-push-type"] = "alert";
            apnsHeaders["apns-priority"] = "10";
        }

        aps["badge"] = message.Badge;
        return new JsonObject { ["headers"] = apnsHeaders, ["payload"] = new JsonObject { ["aps"] = aps } };
    }
}
