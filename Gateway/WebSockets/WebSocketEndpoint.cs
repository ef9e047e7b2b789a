using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets;

/// <summary><c>GET /ws</c>: checks the token (401) and device id (400) before the upgrade, then runs the connection.</summary>
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
        IOptions<GatewayOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var token = context.Request.Query["access_token"].FirstOrDefault() ?? BearerToken(context.Request);
        var identity = await tokens.ValidateAsync(token);
        if (identity is null)
        {
            await ApiErrors.Write(context, ErrorCodes.Unauthorized, "A valid access token is required.");
            return;
        }

        var deviceId = context.Request.Query["device_id"].FirstOrDefault();
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

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new ClientConnection(
            socket, identity.UserId, deviceId, identity.ExpiresAt, grains, fanout, handler, acks, media, media.OriginOf(context.Request), options.Value, time,
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
