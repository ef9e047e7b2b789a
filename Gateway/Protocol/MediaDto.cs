namespace ChatOrleans.Gateway.Protocol;

/// <summary>The protocol's <c>media</c> object.</summary>
public sealed record MediaDto(
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
