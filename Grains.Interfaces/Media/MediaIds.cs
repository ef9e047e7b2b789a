using System.Text.RegularExpressions;

namespace ChatOrleans;

/// <summary>Media ids (<c>f_</c> and 32 hex digits) and the names of a media item's stored objects.</summary>
public static partial class MediaIds
{
    /// <summary>The bytes as the client put them, before they are checked.</summary>
    public const string UploadVariant = "upload";

    /// <summary>The checked bytes that signed read URLs serve.</summary>
    public const string OriginalVariant = "original";

    /// <summary>The preview image (JPEG) of an image or a video.</summary>
    public const string ThumbnailVariant = "thumbnail";

    public static string NewMediaId() => "f_" + Guid.NewGuid().ToString("N");

    /// <summary>Ids reach file paths and blob names: only the shape this server makes passes.</summary>
    public static bool IsValid(string? mediaId) => mediaId is not null && MediaIdPattern().IsMatch(mediaId);

    public static bool IsVariant(string? variant) =>
        variant is UploadVariant or OriginalVariant or ThumbnailVariant;

    // \z, not $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^f_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex MediaIdPattern();
}
