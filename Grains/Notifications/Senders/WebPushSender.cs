using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChatOrleans.ServiceDefaults.Notifications;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Sends to browsers by the Web Push protocol (RFC 8030): one POST to the subscription's
/// endpoint with the message encrypted for that browser (RFC 8291, <see cref="WebPushEncryption"/>)
/// and a VAPID header (RFC 8292) that the Web Push library signs and this sender caches per push service.
/// </summary>
public sealed partial class WebPushSender : IPushSender, IDisposable
{
    public const string HttpClientName = "webpush";

    /// <summary>How long a VAPID token is valid; the library caps it at 24 hours.</summary>
    private static readonly TimeSpan VapidTokenLifetime = TimeSpan.FromHours(12);

    private readonly IHttpClientFactory _httpClients;
    private readonly WebPushOptions _options;
    private readonly ILogger<WebPushSender> _logger;
    private readonly VapidAuthentication _vapid;

    public WebPushSender(IHttpClientFactory httpClients, IOptions<WebPushOptions> options, VapidKeys keys, ILogger<WebPushSender> logger)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _logger = logger;
        Keys = keys;
        _vapid = new VapidAuthentication(keys.PublicKey, keys.PrivateKey)
        {
            Subject = _options.Subject,
            Expiration = (int)VapidTokenLifetime.TotalSeconds,
            TokenCache = new VapidTokenCache(),
        };
    }

    public PushPlatform Platform => PushPlatform.WebPush;

    /// <summary>The key pair; browsers subscribe with <see cref="VapidKeys.PublicKey"/> as <c>applicationServerKey</c>.</summary>
    public VapidKeys Keys { get; }

    public async Task<PushOutcome> SendAsync(PushToken token, PushMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(message);
        var subscription = WebPushSubscription.TryParse(token.Token);
        if (subscription is null)
        {
            LogBadSubscription(_logger);
            return PushOutcome.InvalidToken;
        }

        if (!_options.AllowPrivateNetworkEndpoints && PushEndpointGuard.ProblemWithHost(subscription.Endpoint) is not null)
        {
            // Stored before registrations were checked, or written to the store directly: never asked.
            LogForbiddenEndpoint(_logger, subscription.Endpoint.Host);
            return PushOutcome.InvalidToken;
        }

        var plaintext = Encoding.UTF8.GetBytes(Payload(message).ToJsonString(PushText.Json));
        if (plaintext.Length > WebPushEncryption.MaxPlaintextBytes)
        {
            // Clipped previews keep well under this; only a huge chat or sender id gets here.
            LogTooLarge(_logger, plaintext.Length);
            return PushOutcome.Failed;
        }

        using var request = Request(subscription, plaintext, message);
        try
        {
            using var response = await _httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return PushOutcome.Delivered;
            }

            var outcome = Outcome(response.StatusCode);
            LogRefused(_logger, subscription.Endpoint.Host, (int)response.StatusCode, outcome);
            return outcome;
        }
        catch (HttpRequestException e) when (e.InnerException is ForbiddenPushEndpointException)
        {
            // The name resolves into the server's own network (now, whatever it did at registration).
            LogForbiddenEndpoint(_logger, subscription.Endpoint.Host);
            return PushOutcome.Failed;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(_logger, subscription.Endpoint.Host, e);
            return PushOutcome.Failed;
        }
    }

    /// <summary>The POST to the subscription's endpoint: the encrypted message, its VAPID header and the delivery headers.</summary>
    private HttpRequestMessage Request(WebPushSubscription subscription, byte[] plaintext, PushMessage message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, subscription.Endpoint)
        {
            Content = new ByteArrayContent(WebPushEncryption.Encrypt(plaintext, subscription.P256dh, subscription.Auth)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentEncoding.Add("aes128gcm");
        request.Headers.Authorization = new AuthenticationHeaderValue("vapid", _vapid.GetVapidSchemeAuthenticationHeaderValueParameter(subscription.Audience));
        request.Headers.TryAddWithoutValidation("TTL", ((long)_options.TimeToLive.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Urgency", message.Silent ? "low" : "high");
        if (message.ChatId is not null)
        {
            // A newer message of the chat replaces one still waiting at the push service.
            request.Headers.TryAddWithoutValidation("Topic", Topic(message.ChatId));
        }

        return request;
    }

    public void Dispose() => _vapid.Dispose();

    /// <summary>404 and 410: the subscription expired or was withdrawn (RFC 8030 section 7.3).</summary>
    internal static PushOutcome Outcome(HttpStatusCode status) =>
        status is HttpStatusCode.NotFound or HttpStatusCode.Gone ? PushOutcome.InvalidToken : PushOutcome.Failed;

    /// <summary>The Topic header allows at most 32 base64url characters, so the chat id is hashed into them.</summary>
    internal static string Topic(string chatId) =>
        System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(chatId)))[..32];

    /// <summary>What the service worker's push event gets: the same fields as the other platforms' payloads.</summary>
    internal static JsonObject Payload(PushMessage message)
    {
        var payload = new JsonObject();
        if (!message.Silent)
        {
            payload["title"] = PushText.Clip(message.Title, PushText.MaxTitleChars);
            payload["body"] = PushText.Clip(message.Body, PushText.MaxBodyChars);
        }

        payload["chat_id"] = message.ChatId;
        payload["seq"] = message.Seq;
        payload["sender_id"] = message.SenderId;
        payload["badge"] = message.Badge;
        payload["silent"] = message.Silent;
        return payload;
    }

    /// <summary>
    /// Keeps each push service's VAPID token until an hour before it expires, so that a token is
    /// not signed per push. On the wall clock, because the library dates its tokens by it.
    /// </summary>
    private sealed class VapidTokenCache : IVapidTokenCache
    {
        private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expiration)> _tokens = new(StringComparer.Ordinal);

        public string? Get(string audience) =>
            _tokens.TryGetValue(audience, out var entry) && entry.Expiration - DateTimeOffset.UtcNow > TimeSpan.FromHours(1) ? entry.Token : null;

        public void Put(string audience, DateTimeOffset expiration, string token) => _tokens[audience] = (token, expiration);
    }
}
