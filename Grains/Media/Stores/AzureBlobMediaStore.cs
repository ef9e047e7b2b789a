using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

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
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        if (properties.ContentLength > maxBytes)
        {
            return new TakenUpload(properties.ContentLength, null, null);
        }

        // The copy that is checked is the one that is kept: a PUT that lands after this download
        // is removed with the upload blob once the checked copy is saved.
        var path = Path.Combine(Path.GetTempPath(), $"chatorleans-media-{Guid.NewGuid():N}");
        try
        {
            await blob.DownloadToAsync(path, new BlobDownloadToOptions { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } }, cancellationToken);
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

    public async Task SaveAsync(string mediaId, string variant, string sourcePath, string contentType, CancellationToken cancellationToken)
    {
        await Blob(mediaId, variant).UploadAsync(
            sourcePath,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken);
        if (variant == MediaIds.OriginalVariant)
        {
            await Blob(mediaId, MediaIds.UploadVariant).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    public async Task DeleteAsync(string mediaId, CancellationToken cancellationToken)
    {
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = mediaId + "/" }, cancellationToken))
        {
            await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken);
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

    private BlobClient Blob(string mediaId, string variant)
    {
        if (!MediaIds.IsValid(mediaId) || !MediaIds.IsVariant(variant))
        {
            throw new ArgumentException("Not a media object.");
        }

        return container.GetBlobClient($"{mediaId}/{variant}");
    }
}
