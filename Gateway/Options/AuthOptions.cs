namespace ChatOrleans.Gateway.Options;

/// <summary>Bearer tokens (configuration section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// The HMAC-SHA256 key (base64, at least 32 bytes) that signs tokens. Every gateway of a
    /// cluster must share it. When empty, the embedded profile makes one and keeps it in the
    /// data folder so that tokens survive a restart.
    /// </summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "chatorleans";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// PBKDF2 iterations for new password hashes (ASP.NET Core Identity's default). Load tests that
    /// register thousands of users may lower it; stored hashes keep the count they were made with.
    /// </summary>
    public int PasswordHashIterations { get; set; } = 100_000;
}
