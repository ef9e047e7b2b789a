namespace ChatOrleans;

/// <summary>
/// Names that other people see: group names, display names, file names. They may hold any
/// letter, emoji or symbol, but not characters that change how the text around them reads:
/// control characters (C0, DEL, C1: NUL, newlines, escapes), bidirectional controls (U+202A–U+202E,
/// U+2066–U+2069, U+200E, U+200F, U+061C; <c>invoice\u202Efdp.exe</c> shows as "invoiceexe.pdf")
/// and lone surrogates (no encoding can carry them). Message texts are not names and keep them.
/// </summary>
public static class DisplayText
{
    /// <summary>The index of the first refused character of <paramref name="text"/>, or -1 when there is none.</summary>
    public static int FirstRefused(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (IsRefused(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether <paramref name="text"/> holds no refused character (<c>null</c> holds none).</summary>
    public static bool IsAllowed(string? text) => text is null || FirstRefused(text) < 0;

    /// <summary>Refuses <paramref name="text"/> with <c>bad_request</c> naming <paramref name="field"/> when it holds a refused character.</summary>
    public static void EnsureAllowed(string? text, string field)
    {
        if (!IsAllowed(text))
        {
            throw ChatException.BadRequest($"{field} must not hold control characters or bidirectional formatting characters.");
        }
    }

    private static bool IsRefused(char c) =>
        c < '\u0020'
        || c is >= '\u007F' and <= '\u009F'
        || c is '\u061C' or '\u200E' or '\u200F'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069'
        || char.IsSurrogate(c); // a surrogate not part of a pair (pairs are skipped above)
}
