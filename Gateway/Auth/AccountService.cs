using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>Registration and login: usernames claimed through their grain, passwords hashed with ASP.NET Core Identity's hasher.</summary>
public sealed partial class AccountService(IGrainFactory grains, TokenService tokens, IOptions<AuthOptions> options)
{
    private readonly PasswordHasher<AccountService> _hasher = new(Microsoft.Extensions.Options.Options.Create(
        new PasswordHasherOptions { IterationCount = options.Value.PasswordHashIterations }));

    public async Task<IssuedToken> RegisterAsync(string? username, string? password, string? displayName)
    {
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
        var hash = _hasher.HashPassword(this, password!);
        if (!await grains.GetGrain<IUsernameGrain>(username).Claim(new AccountCredentials(userId, hash)))
        {
            throw ChatException.Conflict("That username is taken.");
        }

        await grains.GetGrain<IUserGrain>(userId).Initialize(username, displayName);
        return tokens.Issue(userId, username);
    }

    public async Task<IssuedToken> LoginAsync(string? username, string? password)
    {
        username = username?.Trim().ToLowerInvariant() ?? "";
        var credentials = UsernamePattern().IsMatch(username) && password is not null
            ? await grains.GetGrain<IUsernameGrain>(username).GetCredentials()
            : null;
        if (credentials is null
            || _hasher.VerifyHashedPassword(this, credentials.PasswordHash, password!) == PasswordVerificationResult.Failed)
        {
            throw new ChatException(ErrorCodes.Unauthorized, "Wrong username or password.");
        }

        return tokens.Issue(credentials.UserId, username);
    }

    [GeneratedRegex(@"^[a-z0-9_.-]{3,32}\z")]
    private static partial Regex UsernamePattern();
}
