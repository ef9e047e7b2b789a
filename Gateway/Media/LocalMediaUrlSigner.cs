using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.ServiceDefaults.Media;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Media;

/// <summary>
/// HMAC-SHA256 signed URLs for the local-disk store, served by the gateway itself
/// (<see cref="LocalMediaFileEndpoints"/>): <c>/files/{media_id}/{variant}?exp=…&amp;sig=…</c>.
/// The signature covers the method, the object, the expiry and every other parameter, so a
/// changed character or a read URL used to write is refused.
/// </summary>
public sealed class LocalMediaUrlSigner : IMediaUrlSigner
{
    public const string PathPrefix = "/files";

    private static readonly byte[] KeyPurpose = Encoding.UTF8.GetBytes("chatorleans media urls v1");

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public LocalMediaUrlSigner(IOptions<MediaOptions> options, SigningKeyProvider tokenKeys, TimeProvider time)
    {
        _time = time;
        // Media:Local:SigningKey is checked at start (MediaOptions): at least 32 bytes of base64.
        if (options.Value.Local.SigningKey is { Length: > 0 } configured)
        {
            _key = Convert.FromBase64String(configured);
        }
        else
        {
            // Every gateway of a cluster shares the token key, so they agree on this one too
            // without another secret to hand out; a token can never pass for a URL signature.
            _key = HMACSHA256.HashData(tokenKeys.Key.Key, KeyPurpose);
        }
    }

    public bool UsesOrigin => true;

    public UploadTarget SignUpload(string mediaId, string contentType, long sizeBytes, DateTimeOffset expiresAt, string origin)
    {
        var url = Sign("PUT", mediaId, MediaIds.UploadVariant, expiresAt, sizeBytes, null, null, origin);
        return new UploadTarget(url, new Dictionary<string, string> { ["Content-Type"] = contentType });
    }

    public string SignRead(string mediaId, string variant, string contentType, string? fileName, DateTimeOffset expiresAt, string origin) =>
        Sign("GET", mediaId, variant, expiresAt, null, contentType, fileName, origin);

    /// <summary>Checks a request's signature and expiry; on success gives the signed parameters.</summary>
    public SignedFile? Verify(string method, string mediaId, string variant, IQueryCollection query, out string? refusal)
    {
        var exp = query["exp"].ToString();
        var len = query["len"].ToString();
        var ct = query["ct"].ToString();
        var fn = query["fn"].ToString();
        var sig = query["sig"].ToString();
        var expected = Signature(method, mediaId, variant, exp, len, ct, fn);
        byte[] given;
        try
        {
            given = WebEncoders.Base64UrlDecode(sig);
        }
        catch (FormatException)
        {
            given = [];
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            refusal = "This link's signature is not valid.";
            return null;
        }

        // Signed, so these parse; an expiry in the past is the one thing left to refuse.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(exp, CultureInfo.InvariantCulture));
        if (_time.GetUtcNow() >= expiresAt)
        {
            refusal = "This link has expired.";
            return null;
        }

        refusal = null;
        return new SignedFile(
            expiresAt,
            len.Length > 0 ? long.Parse(len, CultureInfo.InvariantCulture) : null,
            ct.Length > 0 ? ct : null,
            fn.Length > 0 ? fn : null);
    }

    private string Sign(string method, string mediaId, string variant, DateTimeOffset expiresAt, long? maxBytes, string? contentType, string? fileName, string origin)
    {
        var exp = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var len = maxBytes?.ToString(CultureInfo.InvariantCulture) ?? "";
        var sig = WebEncoders.Base64UrlEncode(Signature(method, mediaId, variant, exp, len, contentType ?? "", fileName ?? ""));
        var url = new StringBuilder(origin.TrimEnd('/'))
            .Append(PathPrefix).Append('/').Append(mediaId).Append('/').Append(variant)
            .Append("?exp=").Append(exp);
        if (len.Length > 0)
        {
            url.Append("&len=").Append(len);
        }

        if (contentType is not null)
        {
            url.Append("&ct=").Append(Uri.EscapeDataString(contentType));
        }

        if (fileName is not null)
        {
            url.Append("&fn=").Append(Uri.EscapeDataString(fileName));
        }

        return url.Append("&sig=").Append(sig).ToString();
    }

    private byte[] Signature(string method, string mediaId, string variant, string exp, string len, string ct, string fn)
    {
        // Newlines cannot occur in any part (ids and numbers are checked, names lose control
        // characters), so the parts cannot be shifted into each other.
        var canonical = string.Join('\n', method, mediaId, variant, exp, len, ct, fn);
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical));
    }
}

/// <summary>What a valid local URL allows: until when, how many bytes (uploads), which type and name to serve (reads).</summary>
public sealed record SignedFile(DateTimeOffset ExpiresAt, long? MaxBytes, string? ContentType, string? FileName);
