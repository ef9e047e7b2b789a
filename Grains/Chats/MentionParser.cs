namespace ChatOrleans.Grains.Chats;

/// <summary>
/// Finds <c>@username</c> mentions in message text (PROTOCOL.md, fine points): names compare in
/// lower case, a mention ends at the first character outside <c>[a-z0-9_.-]</c>, and a trailing
/// <c>.</c> is punctuation, not part of the name.
/// </summary>
public static class MentionParser
{
    public static IReadOnlyList<string> FindUsernames(string? text, int max)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains('@'))
        {
            return [];
        }

        var names = new List<string>();
        for (var i = 0; i < text.Length && names.Count < max; i++)
        {
            if (text[i] != '@')
            {
                continue;
            }

            var start = i + 1;
            var end = start;
            while (end < text.Length && IsNameChar(char.ToLowerInvariant(text[end])))
            {
                end++;
            }

            var nameEnd = end;
            while (nameEnd > start && text[nameEnd - 1] == '.')
            {
                nameEnd--;
            }

            if (nameEnd > start)
            {
                var name = text[start..nameEnd].ToLowerInvariant();
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }

            i = end - 1;
        }

        return names;
    }

    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-';
}
