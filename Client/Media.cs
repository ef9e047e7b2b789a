namespace ChatOrleans.Client;

/// <summary>An uploaded file (image, video, document, …).</summary>
/// <param name="MediaId">Opaque media id (<c>f_…</c>).</param>
/// <param name="Status">Processing status, e.g. <c>ready</c> or <c>rejected</c>; see <see cref="MediaStatuses"/>.</param>
/// <param name="RejectReason">Why it was rejected; <c>null</c> otherwise.</param>
/// <param name="ContentType">The MIME type.</param>
/// <param name="FileName">The file name given at upload.</param>
/// <param name="SizeBytes">The size in bytes.</param>
/// <param name="Width">Pixel width where it applies.</param>
/// <param name="Height">Pixel height where it applies.</param>
/// <param name="Url">Signed download URL (works without a bearer token until <paramref name="ExpiresAt"/>).</param>
/// <param name="ThumbnailUrl">Signed thumbnail URL, where there is one.</param>
/// <param name="ExpiresAt">When the signed URLs stop working.</param>
public sealed record Media(
    string MediaId,
    string Status,
    string? RejectReason,
    string ContentType,
    string FileName,
    long SizeBytes,
    int? Width,
    int? Height,
    string? Url,
    string? ThumbnailUrl,
    DateTimeOffset? ExpiresAt);
