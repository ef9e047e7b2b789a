using System.Security.Cryptography;

namespace ChatOrleans.Notifications.Senders;

/// <summary>Reads the private keys the push services hand out: PEM text, or the bare base64 of PKCS#8.</summary>
internal static class PemKeys
{
    public static ECDsa LoadEcPrivateKey(string? inline, string? path, string what)
    {
        var text = ReadKeyText(inline, path, what);
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportPkcs8PrivateKey(Convert.FromBase64String(text), out _);
            }

            if (key.KeySize != 256)
            {
                throw new InvalidOperationException($"{what} must be a P-256 key (ES256)");
            }

            return key;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{what} is not a readable EC private key", e);
        }
    }

    public static RSA LoadRsaPrivateKey(string pem, string what)
    {
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{what} is not a readable RSA private key", e);
        }
    }

    private static string ReadKeyText(string? inline, string? path, string what)
    {
        if (!string.IsNullOrWhiteSpace(inline))
        {
            return inline.Trim();
        }

        if (!string.IsNullOrWhiteSpace(path))
        {
            return File.ReadAllText(path).Trim();
        }

        throw new InvalidOperationException($"{what} is not configured");
    }
}
