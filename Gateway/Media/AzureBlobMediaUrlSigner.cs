using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Net.Http.Headers;

namespace ChatOrleans.Gateway.Media;

/// <summary>
/// SAS URLs of the Azure Blob Storage container, signed with the account key of the connection
/// string: clients PUT and GET the blobs directly, and the bytes never touch a gateway.
/// </summary>
public sealed class AzureBlobMediaUrlSigner(BlobContainerClient container) : IMediaUrlSigner
{
    public bool UsesOrigin => false;

    public UploadTarget SignUpload(string mediaId, string contentType, long sizeBytes, DateTimeOffset expiresAt, string origin)
    {
        var (blob, sas) = BlobSas(mediaId, MediaIds.UploadVariant, expiresAt);
        sas.SetPermissions(BlobSasPermissions.Create | BlobSasPermissions.Write);
        return new UploadTarget(
            blob.GenerateSasUri(sas).AbsoluteUri,
            new Dictionary<string, string>
            {
                ["x-ms-blob-type"] = "BlockBlob",
                ["Content-Type"] = contentType,
            });
    }

    public string SignRead(string mediaId, string variant, string contentType, string? fileName, DateTimeOffset expiresAt, string origin)
    {
        var (blob, sas) = BlobSas(mediaId, variant, expiresAt);

        // Served with the checked type whatever the uploader's PUT said.
        sas.ContentType = contentType;
        if (fileName is not null)
        {
            var disposition = new ContentDispositionHeaderValue("inline");
            disposition.SetHttpFileName(fileName);
            sas.ContentDisposition = disposition.ToString();
        }

        sas.SetPermissions(BlobSasPermissions.Read);
        return blob.GenerateSasUri(sas).AbsoluteUri;
    }

    /// <summary>The blob of one variant of a medium and a SAS for it alone, until <paramref name="expiresAt"/>; the caller adds the permissions.</summary>
    private (BlobClient Blob, BlobSasBuilder Sas) BlobSas(string mediaId, string variant, DateTimeOffset expiresAt)
    {
        var blob = container.GetBlobClient($"{mediaId}/{variant}");
        var sas = new BlobSasBuilder
        {
            BlobContainerName = container.Name,
            BlobName = blob.Name,
            Resource = "b",
            ExpiresOn = expiresAt,
        };
        return (blob, sas);
    }
}
