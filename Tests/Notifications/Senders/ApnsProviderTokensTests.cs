using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Notifications.Senders;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static ChatOrleans.Tests.Notifications.Senders.SenderTestHelpers;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>The APNs provider tokens: what they carry, how long one serves, which keys are read.</summary>
[Trait("Category", "Unit")]
public sealed class ApnsProviderTokensTests : IDisposable
{
    private readonly ECDsa _authKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _authKey.Dispose();

    private ApnsOptions Options(string? privateKey = null) => new()
    {
        TeamId = "TEAM123456",
        KeyId = "KEY7654321",
        PrivateKey = privateKey ?? Pem("PRIVATE KEY", _authKey.ExportPkcs8PrivateKey()),
        BundleId = "com.example.chat",
    };

    [Fact]
    public async Task ATokenVerifiesWithTheKeysPublicHalfAndCarriesKidIssAndIatOnly()
    {
        using var tokens = new ApnsProviderTokens(Options(), _time);

        var jwt = tokens.Current(out var issued);

        Assert.True(issued);
        using var publicKey = ECDsa.Create(_authKey.ExportParameters(includePrivateParameters: false));
        var result = await Validate(jwt, publicKey);
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("ES256", token.Alg);
        Assert.Equal("KEY7654321", token.Kid);
        Assert.Equal("TEAM123456", token.Issuer);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, token.IssuedAt);
        var claims = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload)).RootElement;
        Assert.Equal(["iat", "iss"], claims.EnumerateObject().Select(p => p.Name).Order());

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False((await Validate(jwt, otherKey)).IsValid);
    }

    [Fact]
    public void OneTokenServesUntilTokenRefreshAndAfterADropANewOneIsSigned()
    {
        using var tokens = new ApnsProviderTokens(Options(), _time);
        var first = tokens.Current(out _);

        _time.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(first, tokens.Current(out var reissued));
        Assert.False(reissued);

        _time.Advance(TimeSpan.FromMinutes(1));
        var second = tokens.Current(out reissued);
        Assert.True(reissued);
        Assert.NotEqual(first, second);

        tokens.Drop();
        Assert.NotEqual(second, tokens.Current(out reissued));
        Assert.True(reissued);
    }

    [Fact]
    public void TheKeyMayBeTheBareBase64OfItsPkcs8Body()
    {
        using var tokens = new ApnsProviderTokens(Options(Convert.ToBase64String(_authKey.ExportPkcs8PrivateKey())), _time);

        Assert.True(Jwt.Parse(tokens.Current(out _)).VerifiesWith(_authKey));
    }

    [Fact]
    public void AKeyOfAnotherCurveOrNoKeyAtAllIsRefusedAtStart()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var wrongCurve = Assert.Throws<InvalidOperationException>(() => new ApnsProviderTokens(Options(Pem("PRIVATE KEY", p384.ExportPkcs8PrivateKey())), _time));
        Assert.Contains("P-256", wrongCurve.Message, StringComparison.Ordinal);
        var garbled = Assert.Throws<InvalidOperationException>(() => new ApnsProviderTokens(Options("not a key"), _time));
        Assert.Contains("not a readable EC private key", garbled.Message, StringComparison.Ordinal);
    }

    private static Task<TokenValidationResult> Validate(string jwt, ECDsa key) =>
        new JsonWebTokenHandler().ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            IssuerSigningKey = new ECDsaSecurityKey(key),
            ValidIssuer = "TEAM123456",
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidateAudience = false,
            // APNs tokens carry no exp: Apple judges them by iat.
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
}
