using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.WebSockets.KeepAlive;
using ChatOrleans.ServiceDefaults;
using Microsoft.AspNetCore.Authorization;
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
        // A refused credential is 401 from the scheme's challenge, before anything below runs.
        app.Map(WsAuthentication.Path, HandleAsync)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = WsAuthentication.Scheme });
        return app;
    }

    private static async Task HandleAsync(
        HttpContext context,
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
        // Authenticated by the WsAuthentication scheme: a ticket (browsers), the Authorization
        // header (other clients), or ?access_token= (old clients).
        var query = context.Request.Query;
        var ticket = context.Features.Get<WsTicket>();
        if (WsAuthentication.IdentityOf(context) is not { } identity)
        {
            await ApiErrors.Write(context, ErrorCodes.Unauthorized, "A valid access token is required.");
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

        using var socket = await context.WebSockets.AcceptWebSocketAsync(KeepAliveExtensions.AcceptContext(context, options.Value.KeepAliveInterval));
        var connection = new ClientConnection(
            socket, identity.UserId, deviceId, identity.ExpiresAt, grains, fanout, handler, acks, media, media.OriginOf(context.Request), options.Value, time, metrics,
            loggers.CreateLogger<ClientConnection>())
        {
            KeepAlive = context.Features.Get<KeepAliveStream>(),
        };
        await connection.RunAsync(registry, context.RequestAborted);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex DeviceIdPattern();
}
