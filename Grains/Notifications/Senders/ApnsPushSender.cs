using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Sends to iOS devices through APNs' HTTP/2 provider API with token-based authentication:
/// one POST to <c>/3/device/{token}</c> per push, authorised by an ES256 provider token that
/// is signed with the team's .p8 key and reused until <see cref="ApnsOptions.TokenRefresh"/>.
/// </summary>
public sealed partial class ApnsPushSender : IPushSender, IDisposable
{
    public const string HttpClientName = "apns";

    private readonly IHttpClientFactory _httpClients;
    private readonly ApnsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApnsPushSender> _logger;
    private readonly ApnsProviderTokens _tokens;

    public ApnsPushSender(IHttpClientFactory httpClients, IOptions<ApnsOptions> options, TimeProvider time, ILogger<ApnsPushSender> logger)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _tokens = new ApnsProviderTokens(_options, time);
    }

    public PushPlatform Platform => PushPlatform.Apns;

    public async Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(token.Token) || !token.Token.All(char.IsAsciiHexDigit))
        {
            // APNs device tokens are hex; anything else would only earn a BadDeviceToken.
            return PushOutcome.InvalidToken;
        }

        var client = _httpClients.CreateClient(HttpClientName);
        var payload = Payload(message).ToJsonString(PushText.Json);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                using var request = BuildRequest(token.Token, message, payload);
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return PushOutcome.Delivered;
                }

                var reason = await ReadReasonAsync(response, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Forbidden && reason is "ExpiredProviderToken" or "InvalidProviderToken")
                {
                    // The token is replaced at the next request; an expired one is worth one retry.
                    _tokens.Drop();
                    if (reason == "ExpiredProviderToken" && attempt == 1)
                    {
                        continue;
                    }
                }

                var outcome = Outcome(response.StatusCode, reason);
                LogRefused(_logger, (int)response.StatusCode, reason ?? "", outcome);
                return outcome;
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A timeout surfaces as a cancellation that nobody asked for.
            LogUnreachable(_logger, _options.Endpoint, e);
            return PushOutcome.Failed;
        }
    }

    public void Dispose() => _tokens.Dispose();

    /// <summary>What an APNs answer means for the token. Unregistered (410) and tokens of another app or environment are forgotten.</summary>
    internal static PushOutcome Outcome(HttpStatusCode status, string? reason) => status switch
    {
        HttpStatusCode.Gone => PushOutcome.InvalidToken,
        HttpStatusCode.BadRequest when reason is "BadDeviceToken" or "DeviceTokenNotForTopic" => PushOutcome.InvalidToken,
        _ => PushOutcome.Failed,
    };

    internal static JsonObject Payload(PushMessage message)
    {
        var aps = new JsonObject();
        if (message.Silent)
        {
            aps["content-available"] = 1;
        }
        else
        {
            var alert = new JsonObject();
            if (message.Title is not null)
            {
                alert["title"] = PushText.Clip(message.Title, PushText.MaxTitleChars);
            }

            if (message.Body is not null)
            {
                alert["body"] = PushText.Clip(message.Body, PushText.MaxBodyChars);
            }

            aps["alert"] = alert;
            aps["sound"] = "default";
        }

        aps["badge"] = message.Badge;
        if (message.ChatId is not null && !message.Silent)
        {
            // Groups the chat's notifications together in Notification Center.
            aps["thread-id"] = message.ChatId;
        }

        var payload = new JsonObject { ["aps"] = aps };
        if (message.ChatId is not null)
        {
            payload["chat_id"] = message.ChatId;
        }

        if (message.Seq is { } seq)
        {
            payload["seq"] = seq;
        }

        if (message.SenderId is not null)
        {
            payload["sender_id"] = message.SenderId;
        }

        return payload;
    }

    private HttpRequestMessage BuildRequest(string deviceToken, PushMessage message, string payload)
    {
        var uri = new Uri($"{_options.Endpoint.ToString().TrimEnd('/')}/3/device/{deviceToken}");
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            // APNs speaks only HTTP/2. Exact, so that a plain-http endpoint (a local test
            // server) is spoken to with prior knowledge instead of falling back to HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };

        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", ProviderToken());
        request.Headers.TryAddWithoutValidation("apns-topic", _options.BundleId);
        request.Headers.TryAddWithoutValidation("apns-push-type", message.Silent ? "background" : "alert");
        // Background pushes must go at priority 5: APNs refuses 10 for them.
        request.Headers.TryAddWithoutValidation("apns-priority", message.Silent ? "5" : "10");
        var expiration = _time.GetUtcNow() + _options.Expiration;
        request.Headers.TryAddWithoutValidation("apns-expiration", expiration.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message.ChatId is not null)
        {
            // A newer push of the same chat replaces the older one on the device.
            request.Headers.TryAddWithoutValidation("apns-collapse-id", CollapseId(message.ChatId));
        }

        return request;
    }

    /// <summary>apns-collapse-id may hold at most 64 bytes; longer chat ids are hashed to a stable shorter id.</summary>
    internal static string CollapseId(string chatId) =>
        Encoding.UTF8.GetByteCount(chatId) <= 64
            ? chatId
            : System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(chatId)));

    private string ProviderToken()
    {
        var jwt = _tokens.Current(out var issued);
        if (issued)
        {
            LogTokenIssued(_logger, _options.KeyId!);
        }

        return jwt;
    }

    private static async Task<string?> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
