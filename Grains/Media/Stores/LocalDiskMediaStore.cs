using System.Runtime.CompilerServices;
using ChatOrleans.ServiceDefaults.Media;

namespace ChatOrleans.Grains.Media.Stores;

/// <summary>
/// Media on the local disk (the embedded profile). The gateway writes uploads and serves reads
/// through HMAC-signed URLs over the same folder; this side takes, keeps and removes them.
/// Renames within one folder are atomic, so a reader sees a whole file or none.
/// </summary>
public sealed class LocalDiskMediaStore(LocalMediaLayout layout) : IMediaStore
{
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.Root);
        return Task.CompletedTask;
    }

    public Task<TakenUpload?> TakeUploadAsync(string mediaId, long maxBytes, CancellationToken cancellationToken)
    {
        var upload = layout.PathOf(mediaId, MediaIds.UploadVariant);
        var checking = layout.CheckingPath(mediaId);
        if (File.Exists(upload))
        {
            File.Move(upload, checking, overwrite: true);
        }
        else if (!File.Exists(checking))
        {
            // Nothing uploaded, and no earlier check that stopped half-way left its file.
            return Task.FromResult<TakenUpload?>(null);
        }

        var length = new FileInfo(checking).Length;
        return Task.FromResult<TakenUpload?>(new TakenUpload(
            length,
            length > maxBytes ? null : checking,
            () =>
            {
                // Gone already when the checked file was kept (moved) or the media was removed.
                if (File.Exists(checking))
                {
                    File.Delete(checking);
                }

                return ValueTask.CompletedTask;
            }));
    }

    /// <summary>
    /// Renames a whole PUT body (a part file the gateway wrote) into the upload's place. Called by
    /// the media grain only while the media waits for its upload, so no PUT lands after complete.
    /// </summary>
    public bool PlaceUpload(string mediaId, string partName)
    {
        var part = layout.PartPath(mediaId, partName);
        if (!File.Exists(part))
        {
            return false;
        }

        File.Move(part, layout.PathOf(mediaId, MediaIds.UploadVariant), overwrite: true);
        return true;
    }

    public Task CloseUploadAsync(string mediaId, CancellationToken cancellationToken)
    {
        // The gateway asks the media grain before it places a PUT, so after complete nothing new
        // arrives; an upload placed before, but never taken, goes here.
        var upload = layout.PathOf(mediaId, MediaIds.UploadVariant);
        if (File.Exists(upload))
        {
            File.Delete(upload);
        }

        return Task.CompletedTask;
    }

    public Task SaveAsync(string mediaId, string variant, string sourcePath, string contentType, CancellationToken cancellationToken)
    {
        var target = layout.PathOf(mediaId, variant);
        Directory.CreateDirectory(layout.Folder(mediaId));
        File.Move(sourcePath, target, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string mediaId, CancellationToken cancellationToken)
    {
        try
        {
            Directory.Delete(layout.Folder(mediaId), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredMedia> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!Directory.Exists(layout.Root))
        {
            yield break;
        }

        foreach (var folder in Directory.EnumerateDirectories(layout.Root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mediaId = Path.GetFileName(folder);
            if (!MediaIds.IsValid(mediaId))
            {
                continue;
            }

            DateTimeOffset? oldest = null;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
            {
                var written = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
                if (oldest is null || written < oldest)
                {
                    oldest = written;
                }
            }

            yield return new StoredMedia(mediaId, oldest ?? new DateTimeOffset(Directory.GetCreationTimeUtc(folder), TimeSpan.Zero));
        }
    }
}
