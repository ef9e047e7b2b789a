using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// Issues the signed, expiring bearer tokens (JWT, HS256). JwtBearer checks them, on the HTTP API
/// and on <c>/ws</c> alike, with <see cref="ValidationParameters"/>.
/// </summary>
public sealed class TokenService
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;

    public TokenService(IOptions<AuthOptions> options, SigningKeyProvider keys, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        Key = keys.Key;
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Issuer,
            IssuerSigningKey = Key,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.Zero,
            NameClaimType = JwtRegisteredClaimNames.Name,
        };
    }

    public SymmetricSecurityKey Key { get; }

    public TokenValidationParameters ValidationParameters { get; }

    public IssuedToken Issue(string userId, string username)
    {
        var now = _time.GetUtcNow();
        // JWT expiry is in whole seconds: the answer's expires_at says the same instant.
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + _options.TokenLifetime).ToUnixTimeSeconds());
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Issuer,
            Subject = new ClaimsIdentity([
                new Claim(JwtRegisteredClaimNames.Sub, userId),
                new Claim(JwtRegisteredClaimNames.Name, username),
            ]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return new IssuedToken(userId, token, expires);
    }
}

public sealed record IssuedToken(string UserId, string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>The user behind a bearer token (or a ticket made from one) and when that token expires.</summary>
public sealed record TokenIdentity(string UserId, DateTimeOffset ExpiresAt);
