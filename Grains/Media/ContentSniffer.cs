using System.Text.Unicode;

namespace ChatOrleans.Grains.Media;

/// <summary>
/// The real type of a file, from its first bytes: the magic numbers of the allowed types, and
/// text as valid UTF-8 without control bytes. A declaration is only believed when the bytes agree.
/// </summary>
public static class ContentSniffer
{
    /// <summary>How much of the file is read: enough for every signature and a fair sample of text.</summary>
    public const int SampleBytes = 8192;

    /// <summary>
    /// The fixed magic numbers, tried in order: a prefix, and for RIFF containers the form at
    /// offset 8 as well. ISO media (brand-based), MP3 (tag or frame sync) and text need more than a
    /// prefix and follow in <see cref="Detect"/>.
    /// </summary>
    private static readonly Signature[] Signatures =
    [
        new("image/png", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        new("image/jpeg", [0xFF, 0xD8, 0xFF]),
        new("image/gif", "GIF87a"u8.ToArray()),
        new("image/gif", "GIF89a"u8.ToArray()),
        new("image/webp", "RIFF"u8.ToArray(), "WEBP"u8.ToArray()),
        new("audio/wav", "RIFF"u8.ToArray(), "WAVE"u8.ToArray()),
        new("application/pdf", "%PDF-"u8.ToArray()),
        new("application/zip", "PK\x03\x04"u8.ToArray()),
        new("application/zip", "PK\x05\x06"u8.ToArray()),
        new("video/webm", [0x1A, 0x45, 0xDF, 0xA3]), // EBML
        new("audio/ogg", "OggS"u8.ToArray()),
    ];

    /// <summary>The type the bytes show, or null when they match none of the known types.</summary>
    public static string? Detect(ReadOnlySpan<byte> head, bool wholeFile)
    {
        foreach (var signature in Signatures)
        {
            if (signature.Matches(head))
            {
                return signature.Type;
            }
        }

        if (IsoMediaBrand(head) is { } brand)
        {
            return brand;
        }

        if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
        {
            return "audio/mpeg";
        }

        return LooksLikeText(head, wholeFile) ? "text/plain" : null;
    }

    /// <summary>
    /// Whether bytes that show <paramref name="detected"/> may stand for <paramref name="declared"/>.
    /// MP4, QuickTime and M4A are one container format whose brands are used loosely, so they
    /// stand for each other.
    /// </summary>
    public static bool Agrees(string declared, string detected)
    {
        if (declared == detected)
        {
            return true;
        }

        return IsIsoMedia(declared) && IsIsoMedia(detected);
    }

    private static bool IsIsoMedia(string type) => type is "video/mp4" or "video/quicktime" or "audio/mp4";

    // ISO base media files start with a box: 4 bytes of size, then its type ("ftyp", or for old
    // QuickTime files "moov", "mdat", "wide", "free", "skip").
    private static string? IsoMediaBrand(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12)
        {
            return null;
        }

        var box = head.Slice(4, 4);
        if (box.SequenceEqual("ftyp"u8))
        {
            var brand = head.Slice(8, 4);
            if (brand.SequenceEqual("qt  "u8))
            {
                return "video/quicktime";
            }

            return brand.StartsWith("M4A"u8) || brand.StartsWith("M4B"u8) ? "audio/mp4" : "video/mp4";
        }

        return box.SequenceEqual("moov"u8) || box.SequenceEqual("mdat"u8) || box.SequenceEqual("wide"u8)
            || box.SequenceEqual("free"u8) || box.SequenceEqual("skip"u8)
            ? "video/quicktime"
            : null;
    }

    /// <summary>UTF-8 (a BOM allowed) with no control bytes other than tab, line breaks and form feed.</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> head, bool wholeFile)
    {
        if (head.IsEmpty)
        {
            return wholeFile;
        }

        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C) || b == 0x7F)
            {
                return false;
            }
        }

        if (!wholeFile)
        {
            // The sample may end inside a character: drop an incomplete sequence at its end.
            var cut = head.Length;
            for (var back = 1; back <= 3 && back <= head.Length; back++)
            {
                var b = head[^back];
                if ((b & 0xC0) == 0x80)
                {
                    continue;
                }

                var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                if (needed > back)
                {
                    cut = head.Length - back;
                }

                break;
            }

            head = head[..cut];
        }

        return Utf8.IsValid(head);
    }

    /// <summary>A type's magic number: <see cref="Prefix"/> at the start and, when given, <see cref="Form"/> at offset 8.</summary>
    private sealed record Signature(string Type, byte[] Prefix, byte[]? Form = null)
    {
        private const int FormOffset = 8;

        public bool Matches(ReadOnlySpan<byte> head) =>
            head.StartsWith(Prefix)
            && (Form is null || (head.Length >= FormOffset + Form.Length && head.Slice(FormOffset, Form.Length).SequenceEqual(Form)));
    }
}
