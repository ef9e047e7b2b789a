using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.WebSockets.KeepAlive;

/// <summary>WebSockets with the gateway's keep-alives (see <see cref="ConnectionSweeper"/>) instead of a timer per socket.</summary>
public static class KeepAliveExtensions
{
    /// <summary>
    /// The WebSocket middleware, with the upgrade of <paramref name="path"/> decorated so that its
    /// sockets run over a <see cref="KeepAliveStream"/>. A socket the decoration did not reach (an
    /// HTTP/2 extended CONNECT) keeps the runtime's own keep-alive.
    /// </summary>
    public static IApplicationBuilder UseWebSocketsWithKeepAlives(this IApplicationBuilder app, PathString path)
    {
        var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
        var interval = app.ApplicationServices.GetRequiredService<IOptions<GatewayOptions>>().Value.KeepAliveInterval;
        app.Use((context, next) =>
        {
            if (interval > TimeSpan.Zero && context.Request.Path == path
                && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                context.Features.Set<IHttpUpgradeFeature>(new KeepAliveUpgradeFeature(upgrade, context.Features, time));
            }

            return next(context);
        });
        return app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = interval });
    }

    /// <summary>The accept options of a socket: the runtime's keep-alive only where the gateway's cannot reach.</summary>
    public static WebSocketAcceptContext AcceptContext(HttpContext context, TimeSpan interval) => new()
    {
        KeepAliveInterval = context.Features.Get<IHttpUpgradeFeature>() is KeepAliveUpgradeFeature ? TimeSpan.Zero : interval,
    };
}
