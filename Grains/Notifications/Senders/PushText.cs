using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Keeps previews inside the push services' payload limits (4 KB for APNs, FCM and an
/// encrypted Web Push record): a message text can be far longer than a notification shows.
/// </summary>
internal static class PushText
{
    public const int MaxTitleChars = 200;
    public const int MaxBodyChars = 500;

    /// <summary>
    /// Payload JSON with non-ASCII text as UTF-8, not <c>\uXXXX</c> escapes that would triple
    /// its size; the payloads are never embedded in HTML, which the default escaping guards against.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string? Clip(string? text, int maxChars)
    {
        if (text is null || text.Length <= maxChars)
        {
            return text;
        }

        // Never cut a surrogate pair in half: the result would not be valid UTF-8.
        var end = char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return string.Concat(text.AsSpan(0, end), "…");
    }
}
