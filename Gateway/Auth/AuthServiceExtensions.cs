namespace ChatOrleans.Gateway.Auth;

/// <summary>Password hashing, the auth budgets and WebSocket tickets (their settings: <see cref="AuthOptions"/>).</summary>
public static class AuthServiceExtensions
{
    public static IServiceCollection AddChatAuthLimits(this IServiceCollection services)
    {
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<AuthRateLimits>();
        services.AddSingleton<WsTicketService>();
        services.AddHostedService<AuthStartup>();
        return services;
    }
}
