namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Keeps previews inside the push services' payload limits (4 KB for APNs, FCM and an
/// encrypted Web Push record): a message text can be far longer than a notification shows.
/// </summary>
internal static class PushText
{
    public const int MaxTitleChars = 200;
    public const int MaxBodyChars = 1_000;

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
