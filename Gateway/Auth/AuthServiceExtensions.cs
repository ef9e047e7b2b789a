using Microsoft.Extensions.Options;

namespace ChatOrleans.Gateway.Auth;

/// <summary>Password hashing, the auth budgets and WebSocket tickets, with their settings checked at start.</summary>
public static class AuthServiceExtensions
{
    public static IServiceCollection AddChatAuthLimits(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<AuthOptions>().ValidateOnStart();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<AuthRateLimits>();
        services.AddSingleton<WsTicketService>();
        services.AddHostedService<AuthStartup>();
        return services;
    }

    private sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions o)
        {
            List<string> failures = [];
            Check(o.PasswordHashIterations >= 1, "Auth:PasswordHashIterations must be at least 1.");
            Check(o.PasswordHashConcurrency >= 0, "Auth:PasswordHashConcurrency must be 0 (one per processor) or more.");
            Check(o.PasswordHashQueueLimit >= 1, "Auth:PasswordHashQueueLimit must be at least 1.");
            Check(o.LoginFailuresPerUsernamePerMinute >= 1, "Auth:LoginFailuresPerUsernamePerMinute must be at least 1.");
            Check(o.LoginFailuresPerAddressPerMinute >= 1, "Auth:LoginFailuresPerAddressPerMinute must be at least 1.");
            Check(o.RegistrationsPerAddressPerMinute >= 1, "Auth:RegistrationsPerAddressPerMinute must be at least 1.");
            Check(o.MaxTrackedKeys >= 1, "Auth:MaxTrackedKeys must be at least 1.");
            Check(o.WsTicketLifetime > TimeSpan.Zero, "Auth:WsTicketLifetime must be positive.");
            Check(o.WsTicketsPerSecond >= 1 && o.WsTicketBurst >= 1, "Auth:WsTicketsPerSecond and Auth:WsTicketBurst must be at least 1.");
            Check(o.WsConnectsPerSecond >= 1 && o.WsConnectBurst >= 1, "Auth:WsConnectsPerSecond and Auth:WsConnectBurst must be at least 1.");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

            void Check(bool ok, string failure)
            {
                if (!ok)
                {
                    failures.Add(failure);
                }
            }
        }
    }
}
