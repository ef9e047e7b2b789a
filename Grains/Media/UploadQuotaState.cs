namespace ChatOrleans.Grains.Media;

/// <summary>A user's upload budget as stored: bytes declared per hour (the last 24 count) and the uploads not yet completed.</summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.Media.UploadQuotaState")]
public sealed class UploadQuotaState
{
    /// <summary>Key: hours since the Unix epoch; value: the bytes declared by uploads opened in that hour.</summary>
    [Id(0)]
    public Dictionary<long, long> BytesPerHour { get; set; } = [];

    /// <summary>Key: media id.</summary>
    [Id(1)]
    public Dictionary<string, PendingUpload> Pending { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>An upload opened and not completed yet.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.Grains.Media.PendingUpload")]
public sealed record PendingUpload(DateTimeOffset CreatedAt, long SizeBytes);
