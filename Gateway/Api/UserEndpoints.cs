using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>/api/v1/users/*</c> (an extension of the protocol): a person starts a direct chat by
/// username, and a client shows members by name, so both lookups return the public profile.
/// </summary>
public static partial class UserEndpoints
{
    private const string Tag = "users";

    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/users", async (HttpContext context, IGrainFactory grains) =>
        {
            var username = context.Request.Query["username"].FirstOrDefault()?.Trim().ToLowerInvariant() ?? "";
            if (!UsernamePattern().IsMatch(username))
            {
                throw ChatException.BadRequest("username must be 3 to 32 of a-z, 0-9, '_', '.', '-'.");
            }

            var credentials = await grains.GetGrain<IUsernameGrain>(username).GetCredentials()
                ?? throw ChatException.NotFound("No user has that username.");
            return await Profile(grains, credentials.UserId);
        })
            .Describe(Tag, "FindUserByUsername", "The user with that username (compared in lower case).")
            .Query("username", Microsoft.OpenApi.JsonSchemaType.String, "The username to look up.", required: true)
            .Answers<UserResponse>()
            .Refuses(400, 401, 404, 503);

        api.MapGet("/users/{userId}", (string userId, IGrainFactory grains) =>
            // Only ids of the shape the server makes reach a grain; anything else is unknown.
            UserIdPattern().IsMatch(userId) ? Profile(grains, userId) : throw ChatException.NotFound("Unknown user."))
            .Describe(Tag, "GetUser", "A user's public profile.")
            .Answers<UserResponse>()
            .Refuses(401, 404, 503);

        return api;
    }

    private static async Task<IResult> Profile(IGrainFactory grains, string userId)
    {
        var profile = await grains.GetGrain<IUserGrain>(userId).GetProfile() ?? throw ChatException.NotFound("Unknown user.");
        return Results.Json(new UserResponse(new ProfileResponse(profile.UserId, profile.Username, profile.DisplayName)), ProtocolJson.Options);
    }

    [GeneratedRegex(@"^[a-z0-9_.-]{3,32}\z")]
    private static partial Regex UsernamePattern();

    [GeneratedRegex(@"^u_[0-9a-f]{32}\z")]
    private static partial Regex UserIdPattern();
}
