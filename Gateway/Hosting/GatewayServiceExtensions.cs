using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Gateway.WebSockets;
using ChatOrleans.Gateway.WebSockets.KeepAlive;
using ChatOrleans.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>The WebSocket edge and HTTP API: options, auth, sockets and fan-out.</summary>
public static class GatewayServiceExtensions
{
    public static IServiceCollection AddChatGateway(this IServiceCollection services, IConfiguration configuration, DataFolder dataFolder)
    {
        services.AddValidatedOptions<GatewayOptions, GatewayOptionsValidator>(configuration, GatewayOptions.SectionName);
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(configuration, AuthOptions.SectionName);
        services.AddValidatedOptions<ApiOptions, ApiOptionsValidator>(configuration, ApiOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(dataFolder);
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<AccountService>();
        services.AddChatAuthLimits();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<EventFanout>();
        services.AddSingleton<DeliveredAckBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveredAckBatcher>());
        services.AddHostedService<ConnectionSweeper>();
        services.AddSingleton<FrameHandler>();
        services.AddSingleton<SendRateLimiter>();
        services.AddSingleton<HistoryRateLimiter>();
        services.AddSingleton<ErrorLogThrottle>();

        // A socket's connection reaches its TCP socket through the request (ClientConnection.ProtocolError.cs).
        services.AddHttpContextAccessor();

        services.AddChatMediaGateway(configuration, dataFolder);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer().AddChatWsAuthentication();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService>((options, tokens) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = tokens.ValidationParameters;
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = WsAuthentication.ReadAccessTokenQuery,
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        await ApiErrors.Write(context.HttpContext, ErrorCodes.Unauthorized, "A valid access token is required.");
                    },
                };
            });
        services.AddAuthorization();
        services.AddChatOpenApi();
        return services;
    }

    public static WebApplication MapChatGateway(this WebApplication app)
    {
        app.UseChatRequestLogging();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<ApiBodyLimitMiddleware>();
        app.UseWebSocketsWithKeepAlives(WsAuthentication.Path);
        app.UseWebClient();
        app.UseAuthentication();
        app.UseAuthorization();

        // Open sockets would hold the host's shutdown until they close by themselves.
        var registry = app.Services.GetRequiredService<ConnectionRegistry>();
        app.Lifetime.ApplicationStopping.Register(registry.CloseAll);

        app.MapChatWebSocket();
        app.MapChatMediaFiles();
        app.MapChatOpenApi();

        var api = app.MapGroup("/api/v1").RequireAuthorization();
        api.MapAuthEndpoints();
        api.MapChatEndpoints();
        api.MapMediaEndpoints();
        api.MapUserEndpoints();
        api.MapWebPushKeyEndpoints(app.Configuration);
        api.MapNotificationEndpoints();
        // Not anonymous: without a valid token an unknown path is 401 like every other, so the
        // API's shape cannot be probed without an account.
        api.MapFallback("{*path}", () => ApiErrors.Result(ErrorCodes.NotFound, "No such endpoint."));
        return app;
    }
}
