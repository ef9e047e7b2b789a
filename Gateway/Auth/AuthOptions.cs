using System.ComponentModel.DataAnnotations;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// Bearer tokens, password hashing, WebSocket tickets and the budgets of the auth endpoints
/// (configuration section <c>Auth</c>). Every budget is per gateway process: a cluster of N
/// gateways behind a balancer admits up to N times as much.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>OWASP's figure for PBKDF2-HMAC-SHA512; lower values are accepted with a warning at start.</summary>
    public const int RecommendedPasswordHashIterations = 210_000;

    /// <summary>
    /// The HMAC-SHA256 key (base64, at least 32 bytes) that signs tokens. Every gateway of a
    /// cluster must share it. When empty, the embedded profile makes one and keeps it in the
    /// data folder so that tokens survive a restart.
    /// </summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "chatorleans";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// PBKDF2-HMAC-SHA512 iterations for new password hashes (ASP.NET Core Identity's V3 format).
    /// A stored hash made with fewer, or in an older format, is replaced at its next login.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:PasswordHashIterations must be at least 1.")]
    public int PasswordHashIterations { get; set; } = RecommendedPasswordHashIterations;

    /// <summary>Password hashes computed at once, each on its own dedicated thread; 0 means one per processor.</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "Auth:PasswordHashConcurrency must be 0 (one per processor) or more.")]
    public int PasswordHashConcurrency { get; set; }

    /// <summary>Hashes waiting for a hashing thread at most; past that, login and registration answer <c>unavailable</c>.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:PasswordHashQueueLimit must be at least 1.")]
    public int PasswordHashQueueLimit { get; set; } = 256;

    /// <summary>Failed logins per username in a sliding minute; past that, <c>rate_limited</c>, also for the right password.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:LoginFailuresPerUsernamePerMinute must be at least 1.")]
    public int LoginFailuresPerUsernamePerMinute { get; set; } = 10;

    /// <summary>Failed logins per client address (IPv6: per /64) in a sliding minute.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:LoginFailuresPerAddressPerMinute must be at least 1.")]
    public int LoginFailuresPerAddressPerMinute { get; set; } = 100;

    /// <summary>Registration attempts per client address (IPv6: per /64) in a sliding minute.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:RegistrationsPerAddressPerMinute must be at least 1.")]
    public int RegistrationsPerAddressPerMinute { get; set; } = 300;

    /// <summary>
    /// How many usernames, addresses or users each budget tracks at once. Past that, keys not yet
    /// tracked share one budget of the same size, so a spray of fresh names cannot grow memory
    /// (and cannot slip past the limit either).
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:MaxTrackedKeys must be at least 1.")]
    public int MaxTrackedKeys { get; set; } = 50_000;

    /// <summary>How long a ticket from <c>POST /api/v1/ws-tickets</c> may be used (once).</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", SettingRangeAttribute.MaxTimeSpan, MinimumIsExclusive = true, ErrorMessage = "Auth:WsTicketLifetime must be positive.")]
    public TimeSpan WsTicketLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>WebSocket tickets a user may take per second, sustained.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:WsTicketsPerSecond must be at least 1.")]
    public int WsTicketsPerSecond { get; set; } = 10;

    /// <summary>WebSocket tickets a user may take in a burst.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:WsTicketBurst must be at least 1.")]
    public int WsTicketBurst { get; set; } = 30;

    /// <summary>WebSocket connection attempts per user per second, sustained (counted before the upgrade).</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:WsConnectsPerSecond must be at least 1.")]
    public int WsConnectsPerSecond { get; set; } = 10;

    /// <summary>WebSocket connection attempts per user in a burst.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Auth:WsConnectBurst must be at least 1.")]
    public int WsConnectBurst { get; set; } = 30;

    /// <summary>The key's rule (at least 32 bytes) spans its encoding, so it is checked here rather than by an attribute.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(SigningKey) && !IsKeyOfAtLeast32Bytes(SigningKey))
        {
            yield return new ValidationResult("Auth:SigningKey must be at least 32 bytes (base64).", [nameof(SigningKey)]);
        }
    }

    private static bool IsKeyOfAtLeast32Bytes(string base64) =>
        Convert.TryFromBase64String(base64, new byte[base64.Length], out var length) && length >= 32;
}

/// <summary>Checks <see cref="AuthOptions"/> when the gateway starts.</summary>
[OptionsValidator]
public sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;
