namespace ChatOrleans;

/// <summary>Where an upload is in its life: waiting for its bytes, checked and usable, or refused.</summary>
[GenerateSerializer, Alias("ChatOrleans.MediaStatus")]
public enum MediaStatus
{
    Pending = 0,
    Ready = 1,
    Rejected = 2,
}

/// <summary>
/// One upload as the media grain knows it. <see cref="ContentType"/> is the declared type until
/// the bytes are checked, then the type sniffed from them. Signed URLs are not part of it: the
/// gateway signs them fresh for every answer.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.MediaInfo")]
public sealed record MediaInfo(
    string MediaId,
    string OwnerId,
    MediaStatus Status,
    string? RejectReason,
    string ContentType,
    string FileName,
    long SizeBytes,
    int? Width,
    int? Height,
    bool HasThumbnail,
    DateTimeOffset CreatedAt);
