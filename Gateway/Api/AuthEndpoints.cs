using System.Globalization;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway.Api;

/// <summary><c>/api/v1/auth/*</c>, <c>/api/v1/ws-tickets</c> and <c>/api/v1/me</c>.</summary>
public static class AuthEndpoints
{
    private const string Tag = "auth";

    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/register", Register).AllowAnonymous()
            .Describe(Tag, "Register", "Create an account and get its first access token.")
            .Body<RegisterRequest>().Answers<AuthResponse>(StatusCodes.Status201Created)
            .Refuses(400, 409, 413, 429, 503);

        api.MapPost("/auth/login", Login).AllowAnonymous()
            .Describe(Tag, "Login", "Get a fresh access token for a username and password.")
            .Body<LoginRequest>().Answers<AuthResponse>()
            .Refuses(400, 401, 413, 429, 503);

        // A single-use ticket for one WebSocket connection, so that browsers keep the token out of URLs.
        api.MapPost("/ws-tickets", CreateWsTicket)
            .Describe(Tag, "CreateWsTicket", "A single-use ticket for one WebSocket connection of the caller (GET /ws?ticket=…).")
            .Answers<TicketResponse>(StatusCodes.Status201Created)
            .Refuses(401, 429);

        api.MapGet("/me", GetMe)
            .Describe(Tag, "GetMe", "The caller's own profile.")
            .Answers<ProfileResponse>()
            .Refuses(401, 503);

        return api;
    }

    private static async Task<IResult> Register(HttpContext context, AccountService accounts)
    {
        try
        {
            var body = await RequestBody.Read<RegisterRequest>(context.Request);
            var token = await accounts.RegisterAsync(body.Username, body.Password, body.DisplayName, ClientAddress.KeyOf(context));
            return Results.Json(AuthResponse.From(token), Protocol.ProtocolJson.Options, statusCode: StatusCodes.Status201Created);
        }
        catch (RateLimitedException limited)
        {
            return new RateLimitedResponse(limited.RetryAfter, limited.Message, limited.Budget);
        }
    }

    private static async Task<IResult> Login(HttpContext context, AccountService accounts)
    {
        try
        {
            var body = await RequestBody.Read<LoginRequest>(context.Request);
            var token = await accounts.LoginAsync(body.Username, body.Password, ClientAddress.KeyOf(context));
            return Results.Json(AuthResponse.From(token), Protocol.ProtocolJson.Options);
        }
        catch (RateLimitedException limited)
        {
            return new RateLimitedResponse(limited.RetryAfter, limited.Message, limited.Budget);
        }
    }

    private static IResult CreateWsTicket(HttpContext context, WsTicketService tickets, AuthRateLimits limits)
    {
        var userId = context.UserId();
        if (limits.WsTicketsByUser.TryAcquire(userId) is { } wait)
        {
            return new RateLimitedResponse(wait, "Too many WebSocket tickets; try again in a moment.", RateLimitBudgets.WsTicket);
        }

        var ticket = tickets.Issue(userId, TokenExpiry(context));
        return Results.Json(new TicketResponse(ticket.Ticket, ticket.ExpiresAt), Protocol.ProtocolJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetMe(HttpContext context, IGrainFactory grains)
    {
        var profile = await grains.GetGrain<IUserGrain>(context.UserId()).GetProfile()
            ?? throw new ChatException(ErrorCodes.Unauthorized, "This account no longer exists.");
        return Results.Json(new ProfileResponse(profile.UserId, profile.Username, profile.DisplayName), Protocol.ProtocolJson.Options);
    }

    /// <summary>The bearer token's expiry (its <c>exp</c> claim), which a connection opened by a ticket keeps.</summary>
    private static DateTimeOffset TokenExpiry(HttpContext context) =>
        long.TryParse(context.User.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : throw new ChatException(ErrorCodes.Unauthorized, "A valid access token is required.");

    private sealed record RegisterRequest(string? Username, string? Password, string? DisplayName = null);

    private sealed record LoginRequest(string? Username, string? Password);

    private sealed record AuthResponse(string UserId, string AccessToken, DateTimeOffset ExpiresAt)
    {
        public static AuthResponse From(IssuedToken token) => new(token.UserId, token.AccessToken, token.ExpiresAt);
    }

    private sealed record TicketResponse(string Ticket, DateTimeOffset ExpiresAt);
}
