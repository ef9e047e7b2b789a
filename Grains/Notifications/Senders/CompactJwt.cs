using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Writes signed compact JWTs (RFC 7515/7519). APNs wants ES256 and Google's token endpoint
/// RS256; both are one signature over <c>header.claims</c>, so no token library is needed.
/// </summary>
internal static class CompactJwt
{
    /// <summary>ES256: ECDSA P-256 with SHA-256, the signature as the fixed 64-byte r‖s that JWS requires.</summary>
    public static string SignEs256(ECDsa key, IReadOnlyDictionary<string, object> header, IReadOnlyDictionary<string, object> claims)
    {
        var input = SigningInput(header, claims);
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>RS256: RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    public static string SignRs256(RSA key, IReadOnlyDictionary<string, object> header, IReadOnlyDictionary<string, object> claims)
    {
        var input = SigningInput(header, claims);
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    private static string SigningInput(IReadOnlyDictionary<string, object> header, IReadOnlyDictionary<string, object> claims) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
}
