using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOrleans.ServiceDefaults.Notifications;

/// <summary>
/// An application server key pair for VAPID (RFC 8292): P-256, the public key as the 65-byte
/// uncompressed point and the private key as the 32-byte scalar, both base64url as browsers'
/// <c>applicationServerKey</c> and the VAPID <c>k</c> parameter expect.
/// </summary>
public sealed record VapidKeys(
    [property: JsonPropertyName("publicKey")] string PublicKey,
    [property: JsonPropertyName("privateKey")] string PrivateKey)
{
    /// <summary>A fresh random key pair.</summary>
    public static VapidKeys Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        return new VapidKeys(Base64Url.EncodeToString(UncompressedPoint(parameters.Q)), Base64Url.EncodeToString(parameters.D!));
    }

    /// <summary>The configured keys, else those kept in <see cref="WebPushOptions.KeyFile"/> (generated and written there the first time).</summary>
    public static VapidKeys From(WebPushOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicKey) && !string.IsNullOrWhiteSpace(options.PrivateKey))
        {
            return Checked(new VapidKeys(options.PublicKey, options.PrivateKey));
        }

        var path = options.KeyFile ?? throw new InvalidOperationException("Notifications:WebPush has neither keys nor a KeyFile");
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<VapidKeys>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} holds no VAPID keys");
            return Checked(stored);
        }

        var generated = Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(generated));
        return generated;
    }

    internal static byte[] UncompressedPoint(ECPoint q)
    {
        var point = new byte[65];
        point[0] = 0x04;
        q.X!.CopyTo(point, 1);
        q.Y!.CopyTo(point, 33);
        return point;
    }

    /// <summary>Refuses keys that are not a P-256 pair, at start-up rather than at the first push.</summary>
    private static VapidKeys Checked(VapidKeys keys)
    {
        try
        {
            var publicKey = Base64Url.DecodeFromChars(keys.PublicKey);
            var privateKey = Base64Url.DecodeFromChars(keys.PrivateKey);
            if (publicKey.Length != 65 || publicKey[0] != 0x04 || privateKey.Length != 32)
            {
                throw new InvalidOperationException("VAPID keys must be a 65-byte uncompressed P-256 public key and a 32-byte private key (base64url)");
            }

            using var key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = publicKey[1..33], Y = publicKey[33..] },
                D = privateKey,
            });
            return keys;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            throw new InvalidOperationException("The VAPID keys are not a valid P-256 key pair", e);
        }
    }
}
