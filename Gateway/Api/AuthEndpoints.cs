using ChatOrleans.Gateway.Auth;

namespace ChatOrleans.Gateway.Api;

/// <summary><c>/api/v1/auth/*</c> and <c>/api/v1/me</c>.</summary>
public static class AuthEndpoints
{
    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/register", async (HttpRequest request, AccountService accounts) =>
        {
            var body = await RequestBody.Read<RegisterRequest>(request);
            var token = await accounts.RegisterAsync(body.Username, body.Password, body.DisplayName);
            return Results.Json(AuthResponse.From(token), Protocol.ProtocolJson.Options, statusCode: StatusCodes.Status201Created);
        }).AllowAnonymous();

        api.MapPost("/auth/login", async (HttpRequest request, AccountService accounts) =>
        {
            var body = await RequestBody.Read<LoginRequest>(request);
            var token = await accounts.LoginAsync(body.Username, body.Password);
            return Results.Json(AuthResponse.From(token), Protocol.ProtocolJson.Options);
        }).AllowAnonymous();

        api.MapGet("/me", async (HttpContext context, IGrainFactory grains) =>
        {
            var profile = await grains.GetGrain<IUserGrain>(context.UserId()).GetProfile()
                ?? throw new ChatException(ErrorCodes.Unauthorized, "This account no longer exists.");
            return Results.Json(new { user_id = profile.UserId, username = profile.Username, display_name = profile.DisplayName }, Protocol.ProtocolJson.Options);
        });

        return api;
    }

    private sealed record RegisterRequest(string? Username, string? Password, string? DisplayName);

    private sealed record LoginRequest(string? Username, string? Password);

    private sealed record AuthResponse(string UserId, string AccessToken, DateTimeOffset ExpiresAt)
    {
        public static AuthResponse From(IssuedToken token) => new(token.UserId, token.AccessToken, token.ExpiresAt);
    }
}
