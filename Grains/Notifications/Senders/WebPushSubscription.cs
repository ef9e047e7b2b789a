using System.Buffers.Text;
using System.Text.Json;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// A browser's push subscription, as <c>PushSubscription.toJSON()</c> gives it and as the
/// device registers it for the token: <c>{"endpoint": …, "keys": {"p256dh": …, "auth": …}}</c>.
/// </summary>
internal sealed record WebPushSubscription(Uri Endpoint, byte[] P256dh, byte[] Auth)
{
    /// <summary>Reads the subscription; null when it is not one (then the token is useless and is forgotten).</summary>
    public static WebPushSubscription? TryParse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("endpoint", out var endpoint)
                || !Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                || !root.TryGetProperty("keys", out var keys)
                || keys.ValueKind != JsonValueKind.Object
                || !keys.TryGetProperty("p256dh", out var p256dh)
                || !keys.TryGetProperty("auth", out var auth))
            {
                return null;
            }

            var publicKey = Decode(p256dh.GetString());
            var secret = Decode(auth.GetString());
            return publicKey is { Length: 65 } && publicKey[0] == 0x04 && secret is { Length: 16 }
                ? new WebPushSubscription(uri, publicKey, secret)
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The origin of the push resource: the VAPID token's audience (RFC 8292 section 2).</summary>
    public string Audience => Endpoint.GetLeftPart(UriPartial.Authority);

    private static byte[]? Decode(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return Base64Url.DecodeFromChars(text.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
