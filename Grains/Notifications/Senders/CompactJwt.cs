using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Writes signed compact JWTs (RFC 7515/7519). Google's token endpoint wants RS256: one
/// signature over <c>header.claims</c>.
/// </summary>
internal static class CompactJwt
{
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
