namespace ChatOrleans.Grains.Media;

/// <summary>What the checks learned of a file: its pixel size where it has one, and a thumbnail file (JPEG) if one was made.</summary>
public sealed record MediaPreview(int? Width, int? Height, string? ThumbnailPath)
{
    public static readonly MediaPreview None = new(null, null, null);
}
