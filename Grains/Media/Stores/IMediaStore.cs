namespace ChatOrleans.Grains.Media.Stores;

/// <summary>
/// Where media bytes live: per media id an <c>upload</c> object (written by the client through
/// its signed URL), then the checked <c>original</c> and a <c>thumbnail</c>. Bytes never pass
/// through the grains' messages; the store hands the media grain a local file to check.
/// Implementations: <see cref="LocalDiskMediaStore"/> (embedded) and <see cref="AzureBlobMediaStore"/>.
/// </summary>
public interface IMediaStore
{
    /// <summary>Creates the folder or container when missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes the uploaded bytes out of reach of the upload URL, so what is checked is what will be
    /// served: a later PUT to that URL changes nothing. Null when nothing was uploaded. An object
    /// over <paramref name="maxBytes"/> is not fetched (<see cref="TakenUpload.Path"/> is null).
    /// </summary>
    Task<TakenUpload?> TakeUploadAsync(string mediaId, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// After complete (ready or rejected): the upload URL, valid until it expires, can change
    /// nothing any more and leaves nothing behind. Safe to call again.
    /// </summary>
    Task CloseUploadAsync(string mediaId, CancellationToken cancellationToken);

    /// <summary>Stores a checked file as <paramref name="variant"/>; the store may move the file away.</summary>
    Task SaveAsync(string mediaId, string variant, string sourcePath, string contentType, CancellationToken cancellationToken);

    /// <summary>Removes every object of the media; nothing to remove is fine.</summary>
    Task DeleteAsync(string mediaId, CancellationToken cancellationToken);

    /// <summary>Every media id with objects in the store, with the time its oldest object was written.</summary>
    IAsyncEnumerable<StoredMedia> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A media id found in the store and when its oldest object was written.</summary>
public readonly record struct StoredMedia(string MediaId, DateTimeOffset OldestWrite);

/// <summary>
/// Uploaded bytes taken for checking: <see cref="Length"/> always, and a local file unless the
/// object was over the limit. Disposing removes what the check left behind.
/// </summary>
public sealed class TakenUpload(long length, string? path, Func<ValueTask>? cleanup) : IAsyncDisposable
{
    public long Length { get; } = length;

    public string? Path { get; } = path;

    public ValueTask DisposeAsync() => cleanup?.Invoke() ?? ValueTask.CompletedTask;
}
