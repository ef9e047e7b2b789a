using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Gateway.Options;
using ChatOrleans.Gateway.WebSockets;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Hosting;

/// <summary>The WebSocket edge and HTTP API: options, auth, sockets and fan-out.</summary>
public static class GatewayServiceExtensions
{
    public static IServiceCollection AddChatGateway(this IServiceCollection services, IConfiguration configuration, DataFolder dataFolder)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName))
            .Validate(o => o.MaxFrameBytes > 0 && o.SendQueueFrames > 0 && o.SendsPerSecond > 0 && o.SendBurst > 0 && o.DeliveredAckDelay >= TimeSpan.Zero, "Gateway limits must be positive.")
            .ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));
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
        services.AddSingleton<FrameHandler>();
        services.AddSingleton<SendRateLimiter>();
        services.AddChatMediaGateway(configuration, dataFolder);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService>((options, tokens) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = tokens.ValidationParameters;
                options.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        await ApiErrors.Write(context.HttpContext, ErrorCodes.Unauthorized, "A valid access token is required.");
                    },
                };
            });
        services.AddAuthorization();
        return services;
    }

    public static WebApplication MapChatGateway(this WebApplication app)
    {
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseWebClient();
        app.UseAuthentication();
        app.UseAuthorization();

        // Open sockets would hold the host's shutdown until they close by themselves.
        var registry = app.Services.GetRequiredService<ConnectionRegistry>();
        app.Lifetime.ApplicationStopping.Register(registry.CloseAll);

        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapChatWebSocket();
        app.MapChatMediaFiles();

        var api = app.MapGroup("/api/v1").RequireAuthorization();
        api.MapAuthEndpoints();
        api.MapChatEndpoints();
        api.MapMediaEndpoints();
        api.MapUserEndpoints();
        api.MapWebPushKeyEndpoints(app.Configuration);
        api.MapNotificationEndpoints();
        api.MapFallback("{*path}", () => ApiErrors.Result(ErrorCodes.NotFound, "No such endpoint.")).AllowAnonymous();
        return app;
    }
}
