using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Grains.Observability;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// <c>GET /ws</c>: checks the ticket or token (401), the user's connection budget (429) and the device id (400)
/// before the upgrade, uses the ticket up, then runs the connection.
/// </summary>
public static partial class WebSocketEndpoint
{
    public static IEndpointRouteBuilder MapChatWebSocket(this IEndpointRouteBuilder app)
    {
        app.Map("/ws", HandleAsync);
        return app;
    }

    private static async Task HandleAsync(
        HttpContext context,
        TokenService tokens,
        IGrainFactory grains,
        EventFanout fanout,
        FrameHandler handler,
        DeliveredAckBatcher acks,
        MediaLinks media,
        ConnectionRegistry registry,
        WsTicketService tickets,
        AuthRateLimits limits,
        IOptions<GatewayOptions> options,
        TimeProvider time,
        ChatMetrics metrics,
        ILoggerFactory loggers)
    {
        // A ticket (browsers), the Authorization header (other clients), or ?access_token= (old clients).
        var query = context.Request.Query;
        WsTicket? ticket = null;
        TokenIdentity? identity;
        if (query.ContainsKey("ticket"))
        {
            ticket = tickets.Read(query["ticket"].FirstOrDefault());
            identity = ticket is null ? null : new TokenIdentity(ticket.UserId, ticket.TokenExpiresAt);
        }
        else
        {
            identity = await tokens.ValidateAsync(BearerToken(context.Request) ?? query["access_token"].FirstOrDefault());
        }

        if (identity is null)
        {
            await ApiErrors.Write(context, ErrorCodes.Unauthorized, ticket is null && query.ContainsKey("ticket")
                ? "The ticket is not valid or has expired."
                : "A valid access token is required.");
            return;
        }

        // Counted before anything costs a grain call or a socket: one user cannot open sockets by the thousand.
        if (limits.WsConnectsByUser.TryAcquire(identity.UserId) is { } wait)
        {
            await RateLimitedResponse.WriteAsync(context, wait, "Too many connection attempts; try again in a moment.", RateLimitBudgets.WsConnect);
            return;
        }

        var deviceId = query["device_id"].FirstOrDefault();
        if (deviceId is null || !DeviceIdPattern().IsMatch(deviceId))
        {
            await ApiErrors.Write(context, ErrorCodes.BadRequest, "device_id must be 1 to 64 of A-Z, a-z, 0-9, '_', '-'.");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiErrors.Write(context, ErrorCodes.BadRequest, "This endpoint speaks WebSocket only.");
            return;
        }

        if (ticket is not null && !await tickets.TryUseAsync(ticket))
        {
            await ApiErrors.Write(context, ErrorCodes.Unauthorized, "The ticket was already used.");
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new ClientConnection(
            socket, identity.UserId, deviceId, identity.ExpiresAt, grains, fanout, handler, acks, media, media.OriginOf(context.Request), options.Value, time, metrics,
            loggers.CreateLogger<ClientConnection>());
        await connection.RunAsync(registry, context.RequestAborted);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex DeviceIdPattern();
}
