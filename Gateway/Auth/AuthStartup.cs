using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// At start: makes (or reads) the signing key, so its file exists with its mode before the first
/// request; starts the password hashing threads and their dummy hash; and warns about weak settings
/// and about data-folder files that were readable by others.
/// </summary>
public sealed partial class AuthStartup(
    IOptions<AuthOptions> options, SigningKeyProvider keys, PasswordHashing hashing, DataFolder dataFolder, ILogger<AuthStartup> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = keys.Key;
        if (options.Value.PasswordHashIterations < AuthOptions.RecommendedPasswordHashIterations)
        {
            LogWeakIterations(options.Value.PasswordHashIterations, AuthOptions.RecommendedPasswordHashIterations);
        }

        foreach (var correction in dataFolder.Corrections)
        {
            LogPermissionsNarrowed(correction);
        }

        LogHashing(hashing.Concurrency, hashing.Iterations);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning,
        Message = "Auth:PasswordHashIterations is {Iterations}, below the recommended {Recommended} (OWASP, PBKDF2-HMAC-SHA512): password hashes are cheaper to crack")]
    private partial void LogWeakIterations(int iterations, int recommended);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Data folder permissions were too wide: {Correction}")]
    private partial void LogPermissionsNarrowed(string correction);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Debug, Message = "Password hashing on {Threads} threads, {Iterations} iterations")]
    private partial void LogHashing(int threads, int iterations);
}
