using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// Single-use tickets for one WebSocket connection (<c>POST /api/v1/ws-tickets</c>, then
/// <c>/ws?ticket=…</c>), so that a browser's bearer token never travels in a URL.
/// </summary>
/// <remarks>
/// A ticket is <c>base64url(payload).base64url(HMAC-SHA256(payload))</c>, the payload being the user
/// id, the ticket's expiry, the bearer token's expiry and a random nonce. The HMAC key is derived
/// (HKDF) from the token signing key, which every gateway of a cluster shares, so a ticket made
/// by one gateway is good at any other, and it can never pass for a token. Single use is checked
/// by the <see cref="IWsTicketGrain"/> of the nonce, one per cluster.
/// </remarks>
public sealed class WsTicketService
{
    private const int MaxTicketLength = 512;
    private static readonly byte[] KeyInfo = "chatorleans ws-ticket v1"u8.ToArray();

    private readonly byte[] _key;
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public WsTicketService(SigningKeyProvider keys, IGrainFactory grains, TimeProvider time, IOptions<AuthOptions> options)
    {
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.Key.Key, 32, salt: [], info: KeyInfo);
        _grains = grains;
        _time = time;
        _lifetime = options.Value.WsTicketLifetime;
    }

    /// <summary>A ticket for <paramref name="userId"/>, valid for the configured lifetime and never past the token's expiry.</summary>
    public IssuedTicket Issue(string userId, DateTimeOffset tokenExpiresAt)
    {
        var now = _time.GetUtcNow();
        var expires = now + _lifetime < tokenExpiresAt ? now + _lifetime : tokenExpiresAt;
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var payload = Encoding.UTF8.GetBytes(string.Join(
            '\n', userId, expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            tokenExpiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), nonce));
        var ticket = Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, payload));
        return new IssuedTicket(ticket, DateTimeOffset.FromUnixTimeMilliseconds(expires.ToUnixTimeMilliseconds()));
    }

    /// <summary>The ticket's contents when its signature holds and it has not expired; null otherwise. Does not use it up.</summary>
    public WsTicket? Read(string? ticket)
    {
        if (string.IsNullOrEmpty(ticket) || ticket.Length > MaxTicketLength)
        {
            return null;
        }

        var dot = ticket.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(ticket.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(ticket.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(_key, payload)))
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length != 4
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresMs)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var tokenExpiresMs))
        {
            return null;
        }

        var expires = DateTimeOffset.FromUnixTimeMilliseconds(expiresMs);
        if (expires <= _time.GetUtcNow())
        {
            return null;
        }

        return new WsTicket(parts[0], expires, DateTimeOffset.FromUnixTimeMilliseconds(tokenExpiresMs), parts[3]);
    }

    /// <summary>Uses the ticket up: true the first time anywhere in the cluster, false after.</summary>
    public Task<bool> TryUseAsync(WsTicket ticket) => _grains.GetGrain<IWsTicketGrain>(ticket.Nonce).TryUse(ticket.ExpiresAt);
}

public sealed record IssuedTicket(string Ticket, DateTimeOffset ExpiresAt);

/// <summary>A ticket whose signature and expiry held: whose it is, and when the bearer token behind it expires.</summary>
public sealed record WsTicket(string UserId, DateTimeOffset ExpiresAt, DateTimeOffset TokenExpiresAt, string Nonce);
