using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ChatOrleans.ServiceDefaults.Notifications;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// Message encryption for Web Push (RFC 8291) in the aes128gcm content coding (RFC 8188), one record.
/// </summary>
/// <remarks>
/// Written here rather than taken from the Web Push library: the library draws its ephemeral
/// key and salt inside its send call and offers no way to pass fixed ones, so its output
/// cannot be checked against RFC 8291's worked example; this code can, and is
/// (<c>WebPushEncryptionTests</c>). The library still produces the VAPID header.
/// </remarks>
public static class WebPushEncryption
{
    /// <summary>The record size written in the header; push services accept messages up to 4096 bytes.</summary>
    public const int RecordSize = 4096;

    private const int SaltLength = 16;
    private const int TagLength = 16;
    private const int HeaderLength = SaltLength + 4 + 1 + 65;
    private static readonly byte[] KeyInfoLabel = Encoding.ASCII.GetBytes("WebPush: info\0");
    private static readonly byte[] CekInfo = Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0");
    private static readonly byte[] NonceInfo = Encoding.ASCII.GetBytes("Content-Encoding: nonce\0");

    /// <summary>The largest plaintext that fits one record: the record less the tag and the padding delimiter.</summary>
    public const int MaxPlaintextBytes = RecordSize - HeaderLength - TagLength - 1;

    /// <summary>Encrypts for a subscription with a fresh ephemeral key and salt, as every real send must.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> userAgentPublicKey, ReadOnlySpan<byte> authSecret)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Encrypt(plaintext, userAgentPublicKey, authSecret, ephemeral, RandomNumberGenerator.GetBytes(SaltLength));
    }

    /// <summary>Encrypts with the given application-server key and salt (RFC 8291 section 3.4 and RFC 8188 section 2).</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> userAgentPublicKey, ReadOnlySpan<byte> authSecret, ECDiffieHellman applicationServerKey, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(applicationServerKey);
        if (userAgentPublicKey.Length != 65 || userAgentPublicKey[0] != 0x04)
        {
            throw new ArgumentException("p256dh must be an uncompressed P-256 point (65 bytes)", nameof(userAgentPublicKey));
        }

        if (authSecret.Length != 16)
        {
            throw new ArgumentException("auth must be 16 bytes", nameof(authSecret));
        }

        if (salt.Length != SaltLength)
        {
            throw new ArgumentException("the salt must be 16 bytes", nameof(salt));
        }

        if (plaintext.Length > MaxPlaintextBytes)
        {
            throw new ArgumentException($"a Web Push message holds at most {MaxPlaintextBytes} bytes", nameof(plaintext));
        }

        // ecdh_secret = ECDH(as_private, ua_public)
        using var userAgent = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = userAgentPublicKey[1..33].ToArray(), Y = userAgentPublicKey[33..].ToArray() },
        });
        var ecdhSecret = applicationServerKey.DeriveRawSecretAgreement(userAgent.PublicKey);
        var asPublic = VapidKeys.UncompressedPoint(applicationServerKey.ExportParameters(includePrivateParameters: false).Q);

        // IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" || 0x00 || ua_public || as_public, 32)
        var keyInfo = new byte[KeyInfoLabel.Length + 65 + 65];
        KeyInfoLabel.CopyTo(keyInfo, 0);
        userAgentPublicKey.CopyTo(keyInfo.AsSpan(KeyInfoLabel.Length));
        asPublic.CopyTo(keyInfo, KeyInfoLabel.Length + 65);
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, authSecret.ToArray(), keyInfo);

        // RFC 8188: CEK and NONCE from HKDF(salt, IKM) with their own labels.
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt.ToArray());
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, CekInfo);
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, NonceInfo);

        // The only (so last) record: plaintext, then the 0x02 delimiter, no padding.
        var padded = new byte[plaintext.Length + 1];
        plaintext.CopyTo(padded);
        padded[^1] = 0x02;

        var body = new byte[HeaderLength + padded.Length + TagLength];
        salt.CopyTo(body);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(SaltLength, 4), RecordSize);
        body[SaltLength + 4] = 65;
        asPublic.CopyTo(body, SaltLength + 5);
        using var aes = new AesGcm(cek, TagLength);
        aes.Encrypt(nonce, padded, body.AsSpan(HeaderLength, padded.Length), body.AsSpan(HeaderLength + padded.Length, TagLength));
        return body;
    }
}
