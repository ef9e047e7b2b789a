namespace ChatOrleans.Grains.Media;

/// <summary>A media grain's durable state. Empty (<see cref="OwnerId"/> null) until the upload is opened.</summary>
[GenerateSerializer, Alias("ChatOrleans.Grains.Media.MediaState")]
public sealed class MediaState
{
    [Id(0)]
    public string? OwnerId { get; set; }

    [Id(1)]
    public string FileName { get; set; } = "";

    [Id(2)]
    public string DeclaredType { get; set; } = "";

    [Id(3)]
    public long DeclaredSize { get; set; }

    [Id(4)]
    public MediaStatus Status { get; set; }

    [Id(5)]
    public string? RejectReason { get; set; }

    /// <summary>The type sniffed from the bytes once checked; the declared one before.</summary>
    [Id(6)]
    public string ContentType { get; set; } = "";

    /// <summary>The stored size once checked; the declared one before.</summary>
    [Id(7)]
    public long SizeBytes { get; set; }

    [Id(8)]
    public int? Width { get; set; }

    [Id(9)]
    public int? Height { get; set; }

    [Id(10)]
    public bool HasThumbnail { get; set; }

    [Id(11)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The chats it was attached to: their members may read it, and it is never swept.</summary>
    [Id(12)]
    public HashSet<string> Chats { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Complete made the upload URL useless (<see cref="Stores.IMediaStore.CloseUploadAsync"/>); until then a repeated complete does it again.</summary>
    [Id(13)]
    public bool UploadClosed { get; set; }
}
