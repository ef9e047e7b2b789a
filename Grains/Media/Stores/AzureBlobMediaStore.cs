using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ChatOrleans.ServiceDefaults.Media;

namespace ChatOrleans.Grains.Media.Stores;

/// <summary>
/// Media in an Azure Blob Storage container (the production profile; Azurite in tests): blobs
/// <c>{media_id}/{variant}</c>. Clients PUT and GET blobs directly through SAS URLs that the
/// gateways sign; the silo fetches an upload once to check it and writes the checked copy.
/// </summary>
public sealed class AzureBlobMediaStore(BlobContainerClient container, AzureBlobMediaOptions options) : IMediaStore
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
        if (options.CorsOrigins is { Length: > 0 } origins)
        {
            // Browsers PUT uploads and GET media straight from the store: it must allow their origin.
            var service = container.GetParentBlobServiceClient();
            var properties = (await service.GetPropertiesAsync(cancellationToken)).Value;
            properties.Cors =
            [
                new BlobCorsRule
                {
                    AllowedOrigins = string.Join(',', origins),
                    AllowedMethods = "GET,PUT,HEAD,OPTIONS",
                    AllowedHeaders = "*",
                    ExposedHeaders = "*",
                    MaxAgeInSeconds = 3600,
                },
            ];
            await service.SetPropertiesAsync(properties, cancellationToken);
        }
    }

    public async Task<TakenUpload?> TakeUploadAsync(string mediaId, long maxBytes, CancellationToken cancellationToken)
    {
        var blob = Blob(mediaId, MediaIds.UploadVariant);

        // From here the upload blob is under this media's lease: a PUT through the SAS URL carries
        // no lease id and is refused, so the bytes checked are the bytes that stay.
        try
        {
            await Lease(blob, mediaId).AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        if (properties.ContentLength > maxBytes)
        {
            return new TakenUpload(properties.ContentLength, null, null);
        }

        var path = Path.Combine(Path.GetTempPath(), $"chatorleans-media-{Guid.NewGuid():N}");
        try
        {
            await blob.DownloadToAsync(path, cancellationToken);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new TakenUpload(new FileInfo(path).Length, path, () =>
        {
            File.Delete(path);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// Leaves an empty upload blob under this media's lease for good: a SAS URL cannot be
    /// revoked, and a PUT through it until it expires would otherwise put a blob back beside the
    /// checked one. The empty, leased blob refuses every PUT without the lease id; it goes with
    /// the media (<see cref="DeleteAsync"/>).
    /// </summary>
    public async Task CloseUploadAsync(string mediaId, CancellationToken cancellationToken)
    {
        var blob = Blob(mediaId, MediaIds.UploadVariant);
        try
        {
            await blob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // There is one already: ours from the check, or a PUT's that the lease now stops.
        }

        var lease = Lease(blob, mediaId);
        await lease.AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, cancellationToken: cancellationToken);
        await blob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { LeaseId = lease.LeaseId } }, cancellationToken);
    }

    public async Task SaveAsync(string mediaId, string variant, string sourcePath, string contentType, CancellationToken cancellationToken)
    {
        await Blob(mediaId, variant).UploadAsync(
            sourcePath,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken);
    }

    public async Task DeleteAsync(string mediaId, CancellationToken cancellationToken)
    {
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = mediaId + "/" }, cancellationToken))
        {
            var blob = container.GetBlobClient(item.Name);
            if (item.Properties.LeaseState is { } state && state != LeaseState.Available && state != LeaseState.Broken)
            {
                // The closed upload blob: its lease goes first, or the delete is refused.
                await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken);
            }

            await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    public async IAsyncEnumerable<StoredMedia> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Names are "{media_id}/{variant}" and come sorted, so one media's blobs are adjacent.
        string? current = null;
        DateTimeOffset oldest = default;
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken))
        {
            var slash = item.Name.IndexOf('/', StringComparison.Ordinal);
            var mediaId = slash > 0 ? item.Name[..slash] : item.Name;
            if (!MediaIds.IsValid(mediaId))
            {
                continue;
            }

            var written = item.Properties.CreatedOn ?? item.Properties.LastModified ?? DateTimeOffset.MinValue;
            if (mediaId != current)
            {
                if (current is not null)
                {
                    yield return new StoredMedia(current, oldest);
                }

                current = mediaId;
                oldest = written;
            }
            else if (written < oldest)
            {
                oldest = written;
            }
        }

        if (current is not null)
        {
            yield return new StoredMedia(current, oldest);
        }
    }

    /// <summary>One lease id per media (its id is a GUID already), so every silo holds the same lease.</summary>
    private static BlobLeaseClient Lease(BlobClient blob, string mediaId) =>
        blob.GetBlobLeaseClient(Guid.ParseExact(mediaId[2..], "N").ToString());

    private BlobClient Blob(string mediaId, string variant)
    {
        if (!MediaIds.IsValid(mediaId) || !MediaIds.IsVariant(variant))
        {
            throw new ArgumentException("Not a media object.");
        }

        return container.GetBlobClient($"{mediaId}/{variant}");
    }
}
