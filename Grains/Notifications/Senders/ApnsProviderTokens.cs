using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// APNs provider tokens: ES256 JWTs with the key id as <c>kid</c> and the team id as <c>iss</c>,
/// stamped with <c>iat</c> and nothing else (APNs reads no <c>exp</c>; it refuses tokens whose
/// <c>iat</c> is over an hour old). One token serves every push until it is
/// <see cref="ApnsOptions.TokenRefresh"/> old or APNs refuses it.
/// </summary>
internal sealed class ApnsProviderTokens : IDisposable
{
    private const string KeyName = "Notifications:Apns private key";

    // Times are set from the injected clock, so the handler must not stamp its own exp and nbf.
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly ApnsOptions _options;
    private readonly TimeProvider _time;
    private readonly ECDsa _key;
    private readonly SigningCredentials _signing;
    private readonly Lock _lock = new();
    private (string Jwt, DateTimeOffset IssuedAt)? _current;

    public ApnsProviderTokens(ApnsOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _key = LoadKey(options.PrivateKey, options.PrivateKeyPath);
        var securityKey = new ECDsaSecurityKey(_key)
        {
            KeyId = options.KeyId,
            // The process-wide cache would outlive this key's disposal; a token is signed only
            // every TokenRefresh, so a provider per signature costs nothing worth caching.
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
        };
        _signing = new SigningCredentials(securityKey, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>The token to send now; <paramref name="issued"/> says whether it was signed by this call.</summary>
    public string Current(out bool issued)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_current is { } cached && now - cached.IssuedAt < _options.TokenRefresh)
            {
                issued = false;
                return cached.Jwt;
            }

            var jwt = Handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _options.TeamId,
                IssuedAt = now.UtcDateTime,
                SigningCredentials = _signing,
            });
            _current = (jwt, now);
            issued = true;
            return jwt;
        }
    }

    /// <summary>Forgets the token after APNs refused it, so that the next push signs a new one.</summary>
    public void Drop()
    {
        lock (_lock)
        {
            _current = null;
        }
    }

    public void Dispose() => _key.Dispose();

    /// <summary>The .p8 key: its PEM text, or the bare base64 of its PKCS#8 body, inline or from a file.</summary>
    internal static ECDsa LoadKey(string? inline, string? path)
    {
        var text = !string.IsNullOrWhiteSpace(inline) ? inline.Trim()
            : !string.IsNullOrWhiteSpace(path) ? File.ReadAllText(path).Trim()
            : throw new InvalidOperationException($"{KeyName} is not configured");
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
                throw new InvalidOperationException($"{KeyName} must be a P-256 key (ES256)");
            }

            return key;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{KeyName} is not a readable EC private key", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
