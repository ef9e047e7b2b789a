namespace ChatOrleans.Gateway.Media;

/// <summary>
/// Signs the URLs through which clients write and read media bytes without a bearer token: the
/// store's own (Azure SAS) or the gateway's (HMAC, for the local disk).
/// </summary>
public interface IMediaUrlSigner
{
    /// <summary>Whether URLs start with the origin of the request (the gateway serves them); otherwise the origin is ignored.</summary>
    bool UsesOrigin { get; }

    /// <summary>Where and how the client PUTs an upload's bytes.</summary>
    UploadTarget SignUpload(string mediaId, string contentType, long sizeBytes, DateTimeOffset expiresAt, string origin);

    /// <summary>A URL that reads one object of a media until <paramref name="expiresAt"/>.</summary>
    string SignRead(string mediaId, string variant, string contentType, string? fileName, DateTimeOffset expiresAt, string origin);
}

/// <summary>An upload URL and the headers the client sends with it, exactly.</summary>
public sealed record UploadTarget(string Url, IReadOnlyDictionary<string, string> Headers);
