using System.Text.Encodings.Web;

namespace ChatOrleans.Client;

/// <summary>
/// Escapes only what JSON requires (quote, backslash, control characters). The built-in encoders
/// escape every non-ASCII character, even the "unsafe relaxed" one escapes emoji as two <c>\uXXXX</c>,
/// which would make a 16,000-code-point text up to three times its UTF-8 size and trip the frame limit
/// long before a browser client would.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            char c = text[i];
            if (c < 0x20 || c == '"' || c == '\\')
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!WillEncode(unicodeScalar))
        {
            return TryWriteScalarAsChar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        char shortForm = unicodeScalar switch
        {
            '"' => '"',
            '\\' => '\\',
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            '\b' => 'b',
            '\f' => 'f',
            _ => '\0',
        };

        if (shortForm != '\0')
        {
            if (bufferLength < 2)
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            buffer[0] = '\\';
            buffer[1] = shortForm;
            numberOfCharactersWritten = 2;
            return true;
        }

        if (bufferLength < 6)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        const string hex = "0123456789ABCDEF";
        buffer[0] = '\\';
        buffer[1] = 'u';
        buffer[2] = '0';
        buffer[3] = '0';
        buffer[4] = hex[(unicodeScalar >> 4) & 0xF];
        buffer[5] = hex[unicodeScalar & 0xF];
        numberOfCharactersWritten = 6;
        return true;
    }

    private static unsafe bool TryWriteScalarAsChar(int unicodeScalar, char* buffer, int bufferLength, out int written)
    {
        if (unicodeScalar < 0x10000)
        {
            if (bufferLength < 1)
            {
                written = 0;
                return false;
            }

            buffer[0] = (char)unicodeScalar;
            written = 1;
            return true;
        }

        if (bufferLength < 2)
        {
            written = 0;
            return false;
        }

        int v = unicodeScalar - 0x10000;
        buffer[0] = (char)(0xD800 + (v >> 10));
        buffer[1] = (char)(0xDC00 + (v & 0x3FF));
        written = 2;
        return true;
    }
}
