using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ChatOrleans.Notifications.Senders;
using ChatOrleans.ServiceDefaults.Notifications;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>The RFC 8291 encryption, held to the RFC's own worked example (section 5 and Appendix A).</summary>
[Trait("Category", "Unit")]
public sealed class WebPushEncryptionTests
{
    // RFC 8291 Appendix A: the application server's and the user agent's keys, the salt, the
    // authentication secret, the plaintext and the resulting message body, all base64url.
    private const string AsPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private const string AsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private const string UaPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private const string UaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    private const string Salt = "DGv6ra1nlYgDCS1FRnbzlw";
    private const string AuthSecret = "BTBZMqHH6r4Tts7J_aSIgg";
    private const string Plaintext = "When I grow up, I want to be a watermelon";
    private const string Body =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    [Fact]
    public void TheRfcExampleIsReproducedByteForByte()
    {
        using var applicationServer = Key(AsPrivate, AsPublic);

        var body = WebPushEncryption.Encrypt(
            Encoding.UTF8.GetBytes(Plaintext), Base64Url.DecodeFromChars(UaPublic), Base64Url.DecodeFromChars(AuthSecret),
            applicationServer, Base64Url.DecodeFromChars(Salt));

        Assert.Equal(Body, Base64Url.EncodeToString(body));
    }

    [Fact]
    public void TheRfcExampleDecryptsWithTheUserAgentsKey()
    {
        // Checks the tests' browser side against the RFC too, so the send tests can trust it.
        using var userAgent = Key(UaPrivate, UaPublic);

        var plaintext = BrowserDecrypts(Base64Url.DecodeFromChars(Body), userAgent, Base64Url.DecodeFromChars(AuthSecret));

        Assert.Equal(Plaintext, Encoding.UTF8.GetString(plaintext));
    }

    [Fact]
    public void EverySendHasItsOwnSaltAndKeyAndStillDecrypts()
    {
        using var userAgent = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var uaPublic = VapidKeys.UncompressedPoint(userAgent.ExportParameters(false).Q);
        var auth = RandomNumberGenerator.GetBytes(16);
        var plaintext = Encoding.UTF8.GetBytes("{\"title\":\"héllo 👋\"}");

        var first = WebPushEncryption.Encrypt(plaintext, uaPublic, auth);
        var second = WebPushEncryption.Encrypt(plaintext, uaPublic, auth);

        Assert.NotEqual(first[..16], second[..16]);
        Assert.NotEqual(first[21..86], second[21..86]);
        Assert.Equal(plaintext, BrowserDecrypts(first, userAgent, auth));
        Assert.Equal(plaintext, BrowserDecrypts(second, userAgent, auth));
    }

    [Fact]
    public void APlaintextLargerThanOneRecordIsRefused()
    {
        using var userAgent = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var uaPublic = VapidKeys.UncompressedPoint(userAgent.ExportParameters(false).Q);

        var fits = WebPushEncryption.Encrypt(new byte[WebPushEncryption.MaxPlaintextBytes], uaPublic, new byte[16]);
        Assert.Equal(4096, fits.Length);
        Assert.Throws<ArgumentException>(() => WebPushEncryption.Encrypt(new byte[WebPushEncryption.MaxPlaintextBytes + 1], uaPublic, new byte[16]));
    }

    private static ECDiffieHellman Key(string privateKey, string publicKey)
    {
        var point = Base64Url.DecodeFromChars(publicKey);
        return ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64Url.DecodeFromChars(privateKey),
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
    }
}
