using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace ChatOrleans.Notifications.Senders;

/// <summary>
/// OAuth 2.0 access tokens for a service account (RFC 7523 JWT bearer grant): an RS256
/// assertion signed with the account's key is traded at the token endpoint for a bearer token
/// that lasts about an hour. One token serves every send until shortly before it expires;
/// concurrent sends that find it stale wait for one exchange instead of each starting their own.
/// </summary>
internal sealed class FcmAccessTokens : IDisposable
{
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromHours(1);

    private readonly FcmServiceAccount _account;
    private readonly Uri _tokenUri;
    private readonly TimeSpan _refreshMargin;
    private readonly TimeProvider _time;
    private readonly RSA _key;
    private readonly SemaphoreSlim _exchange = new(1, 1);
    // A reference, so that readers outside the lock never see half of a replaced token.
    private volatile AccessToken? _current;

    public FcmAccessTokens(FcmServiceAccount account, Uri tokenUri, TimeSpan refreshMargin, TimeProvider time)
    {
        _account = account;
        _tokenUri = tokenUri;
        _refreshMargin = refreshMargin;
        _time = time;
        _key = PemKeys.LoadRsaPrivateKey(account.PrivateKey!, "the service account's private_key");
    }

    public async Task<string> GetAsync(HttpClient client, CancellationToken cancellationToken)
    {
        if (Fresh() is { } token)
        {
            return token;
        }

        await _exchange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } raced)
            {
                return raced;
            }

            var (access, lifetime) = await ExchangeAsync(client, cancellationToken).ConfigureAwait(false);
            _current = new AccessToken(access, _time.GetUtcNow() + lifetime);
            return access;
        }
        finally
        {
            _exchange.Release();
        }
    }

    /// <summary>Forgets the token after FCM refused it (revoked key, clock skew), so that the next send fetches a new one.</summary>
    public void Invalidate() => _current = null;

    public void Dispose()
    {
        _key.Dispose();
        _exchange.Dispose();
    }

    internal string Assertion()
    {
        var now = _time.GetUtcNow();
        var header = new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (_account.PrivateKeyId is { } keyId)
        {
            header["kid"] = keyId;
        }

        var claims = new Dictionary<string, object>
        {
            ["iss"] = _account.ClientEmail!,
            ["scope"] = Scope,
            ["aud"] = _tokenUri.ToString(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + AssertionLifetime).ToUnixTimeSeconds(),
        };
        return CompactJwt.SignRs256(_key, header, claims);
    }

    private sealed record AccessToken(string Token, DateTimeOffset ExpiresAt);

    private string? Fresh() =>
        _current is { } current && _time.GetUtcNow() < current.ExpiresAt - _refreshMargin ? current.Token : null;

    private async Task<(string Token, TimeSpan Lifetime)> ExchangeAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenUri)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ["assertion"] = Assertion(),
            }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The token endpoint refused the service account: {(int)response.StatusCode} {body}", null, response.StatusCode);
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var token = root.GetProperty("access_token").GetString() ?? throw new HttpRequestException("The token endpoint answered an empty access_token");
            var seconds = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var s) ? s : 3600;
            return (token, TimeSpan.FromSeconds(seconds));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new HttpRequestException("The token endpoint's answer is not an OAuth 2.0 token response", e);
        }
    }
}
