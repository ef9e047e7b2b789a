using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatOrleans.Notifications;
using ChatOrleans.Notifications.Senders;
using ChatOrleans.ServiceDefaults.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>What the senders' tests share: building senders from configuration, reading JWTs, a browser's decryption.</summary>
internal static class SenderTestHelpers
{
    public static readonly PushMessage Alert = new("Ada", "Lunch at noon?", "c_42", "u_7", 17, 3, Silent: false);
    public static readonly PushMessage Silent = new(null, null, "c_42", null, null, 0, Silent: true);

    /// <summary>The service provider a silo would build from this configuration, with a given clock.</summary>
    public static ServiceProvider Services(IDictionary<string, string?> settings, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddNotificationSenders(configuration);
        return services.BuildServiceProvider();
    }

    public static IPushSender Sender(this IServiceProvider services, PushPlatform platform) =>
        services.GetServices<IPushSender>().Single(s => s.Platform == platform);

    public static string Pem(string label, byte[] der) => PemEncoding.WriteString(label, der);

    /// <summary>A compact JWT, split and decoded; <see cref="SigningInput"/> is what the signature covers.</summary>
    public sealed record Jwt(JsonElement Header, JsonElement Claims, string SigningInput, byte[] Signature)
    {
        public static Jwt Parse(string token)
        {
            var parts = token.Split('.');
            Assert.Equal(3, parts.Length);
            return new Jwt(
                JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement,
                JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement,
                parts[0] + "." + parts[1],
                Base64Url.DecodeFromChars(parts[2]));
        }

        public bool VerifiesWith(ECDsa key) =>
            key.VerifyData(Encoding.ASCII.GetBytes(SigningInput), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        public bool VerifiesWith(RSA key) =>
            key.VerifyData(Encoding.ASCII.GetBytes(SigningInput), Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>
    /// What a browser does with a Web Push message (RFC 8291 section 3.4 and RFC 8188, receiver
    /// side): reads the header, derives the keys from its own private key and decrypts.
    /// </summary>
    public static byte[] BrowserDecrypts(byte[] body, ECDiffieHellman userAgent, byte[] authSecret)
    {
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var idLength = body[20];
        Assert.Equal(4096u, recordSize);
        Assert.Equal(65, idLength);
        var asPublic = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = asPublic[1..33], Y = asPublic[33..] },
        });
        var uaPublic = VapidKeys.UncompressedPoint(userAgent.ExportParameters(false).Q);
        var ecdhSecret = userAgent.DeriveRawSecretAgreement(sender.PublicKey);
        var keyInfo = Encoding.ASCII.GetBytes("WebPush: info\0").Concat(uaPublic).Concat(asPublic).ToArray();
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, authSecret, keyInfo);
        var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
        var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));

        var padded = new byte[ciphertext.Length - 16];
        using var aes = new AesGcm(cek, 16);
        aes.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], padded);

        // The last record ends with 0x02 followed by zero padding.
        var end = Array.FindLastIndex(padded, b => b != 0);
        Assert.Equal(2, padded[end]);
        return padded[..end];
    }
}
