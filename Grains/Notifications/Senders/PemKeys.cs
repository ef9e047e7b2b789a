using System.Security.Cryptography;

namespace ChatOrleans.Notifications.Senders;

/// <summary>Reads the service account's RSA private key (PEM).</summary>
internal static class PemKeys
{
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
}
