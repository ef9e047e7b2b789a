namespace ChatOrleans.ServiceDefaults.Media;

/// <summary>
/// The embedded store's files: <c>{root}/{media_id}/{variant}</c>. The media grain (silo) and the
/// gateway's signed-URL endpoints share it; in the embedded profile they are one process.
/// </summary>
public sealed class LocalMediaLayout
{
    public LocalMediaLayout(string root)
    {
        Root = System.IO.Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The media's folder. Only valid ids get here: they are the only thing that reaches a path.</summary>
    public string Folder(string mediaId)
    {
        if (!MediaIds.IsValid(mediaId))
        {
            throw new ArgumentException("Not a media id.", nameof(mediaId));
        }

        return System.IO.Path.Combine(Root, mediaId);
    }

    public string PathOf(string mediaId, string variant)
    {
        if (!MediaIds.IsVariant(variant))
        {
            throw new ArgumentException("Not a media variant.", nameof(variant));
        }

        return System.IO.Path.Combine(Folder(mediaId), variant);
    }

    /// <summary>Where a check holds the upload it took: no URL reaches it.</summary>
    public string CheckingPath(string mediaId) => System.IO.Path.Combine(Folder(mediaId), "checking");

    /// <summary>A fresh file name beside the media's objects for a write in progress, renamed into place when whole.</summary>
    public string PartPath(string mediaId) => System.IO.Path.Combine(Folder(mediaId), $"part-{Guid.NewGuid():N}");

    /// <summary>The path of a part named by <see cref="PartPath(string)"/>; only such names pass.</summary>
    public string PartPath(string mediaId, string partName) =>
        partName.Length == 37 && partName.StartsWith("part-", StringComparison.Ordinal) && partName[5..].All(char.IsAsciiHexDigitLower)
            ? System.IO.Path.Combine(Folder(mediaId), partName)
            : throw new ArgumentException("Not a part file name.", nameof(partName));

    public static string FromDataDirectory(string? configured, string dataDirectory) =>
        string.IsNullOrWhiteSpace(configured) ? System.IO.Path.Combine(dataDirectory, "media") : configured;
}
