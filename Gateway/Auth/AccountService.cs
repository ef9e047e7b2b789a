using System.Text.RegularExpressions;
using ChatOrleans.ServiceDefaults;
using Microsoft.AspNetCore.Identity;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// Registration and login: usernames claimed through their grain, passwords hashed off the
/// request threads (<see cref="PasswordHashing"/>), both under the budgets of <see cref="AuthRateLimits"/>.
/// </summary>
public sealed partial class AccountService(
    IGrainFactory grains, TokenService tokens, PasswordHashing hashing, AuthRateLimits limits, ILogger<AccountService> logger)
{
    public async Task<IssuedToken> RegisterAsync(string? username, string? password, string? displayName, string clientAddress)
    {
        if (limits.RegistrationsByAddress.TryAcquire(clientAddress) is { } wait)
        {
            throw new RateLimitedException(wait, "Too many registrations from this address; try again later.", RateLimitBudgets.Register);
        }

        username = username?.Trim().ToLowerInvariant() ?? "";
        if (!UsernamePattern().IsMatch(username))
        {
            throw ChatException.BadRequest("username must be 3 to 32 of a-z, 0-9, '_', '.', '-'.");
        }

        var passwordLength = password is null ? 0 : password.EnumerateRunes().Count();
        if (passwordLength is < 8 or > 128)
        {
            throw ChatException.BadRequest("password must be 8 to 128 characters.");
        }

        displayName = string.IsNullOrWhiteSpace(displayName) ? username : displayName.Trim();
        DisplayText.EnsureAllowed(displayName, "display_name");
        if (displayName.Length > 64)
        {
            throw ChatException.BadRequest("display_name must be at most 64 characters.");
        }

        var userId = ChatIds.NewUserId();
        var hash = await hashing.HashAsync(password!);
        if (!await grains.GetGrain<IUsernameGrain>(username).Claim(new AccountCredentials(userId, hash)))
        {
            throw ChatException.Conflict("That username is taken.");
        }

        await grains.GetGrain<IUserGrain>(userId).Initialize(username, displayName);
        return tokens.Issue(userId, username);
    }

    /// <summary>
    /// Checks the password. Unknown and malformed usernames cost the same hash check as known ones
    /// (against a dummy hash), so the answer's time does not tell whether a name exists. Failures
    /// count against the username's and the address's budgets; a spent budget refuses every
    /// attempt, the right password included, until it refills.
    /// </summary>
    public async Task<IssuedToken> LoginAsync(string? username, string? password, string clientAddress)
    {
        username = username?.Trim().ToLowerInvariant() ?? "";
        var wellFormed = UsernamePattern().IsMatch(username);

        // Malformed names can never succeed: they count per address only, so junk names cost no entries.
        using var byAddress = limits.LoginFailuresByAddress.TryReserve(clientAddress, out var addressWait)
            ?? throw new RateLimitedException(addressWait, "Too many failed sign-ins from this address; try again later.", RateLimitBudgets.Login);
        using var byName = wellFormed
            ? limits.LoginFailuresByUsername.TryReserve(username, out var nameWait)
                ?? throw new RateLimitedException(nameWait, "Too many failed sign-ins for this username; try again later.", RateLimitBudgets.Login)
            : null;

        var grain = wellFormed ? grains.GetGrain<IUsernameGrain>(username) : null;
        var credentials = grain is null ? null : await grain.GetCredentials();
        var result = await hashing.VerifyAsync(credentials?.PasswordHash, password ?? "");
        if (grain is null || credentials is null || password is null || result == PasswordVerificationResult.Failed)
        {
            byAddress.Spend();
            byName?.Spend();
            throw new ChatException(ErrorCodes.Unauthorized, "Wrong username or password.");
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await UpgradeHash(grain, credentials, password);
        }

        return tokens.Issue(credentials.UserId, username);
    }

    /// <summary>Replaces a hash of fewer iterations or an older format; a failure here never fails the login.</summary>
    private async Task UpgradeHash(IUsernameGrain grain, AccountCredentials credentials, string password)
    {
        try
        {
            var upgraded = await hashing.HashAsync(password);
            if (await grain.ReplacePasswordHash(credentials.PasswordHash, upgraded))
            {
                LogHashUpgraded(credentials.UserId, hashing.Iterations);
            }
        }
        catch (Exception ex)
        {
            LogHashUpgradeFailed(credentials.UserId, ex);
        }
    }

    [GeneratedRegex(@"^[a-z0-9_.-]{3,32}\z")]
    private static partial Regex UsernamePattern();

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Upgraded the password hash of {UserId} to {Iterations} iterations")]
    private partial void LogHashUpgraded(string userId, int iterations);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Could not upgrade the password hash of {UserId}; the old one stays")]
    private partial void LogHashUpgradeFailed(string userId, Exception exception);
}
