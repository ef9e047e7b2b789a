using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// The default log levels of every host, as the lowest configuration source: appsettings.json,
/// the environment and <c>--Logging:LogLevel:…</c> all override them. Kept in code as well as in
/// Gateway/appsettings.json so a process started from another folder (no appsettings.json in its
/// content root), and the silo, which has none of its own, start as quiet.
/// </summary>
public static class LoggingDefaults
{
    public static readonly IReadOnlyDictionary<string, string?> Levels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
    };

    /// <summary>Puts <see cref="Levels"/> under every other source of <paramref name="configuration"/>.</summary>
    public static void AddTo(IConfigurationBuilder configuration) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Levels });

    /// <summary>
    /// Categories that write the request target with its query string (old clients'
    /// <c>?access_token=</c>, a ticket, search words): request lines come from HttpLogging
    /// instead, which writes the path alone.
    /// </summary>
    public static readonly IReadOnlyList<string> QueryStringCategories =
        ["Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Server.Kestrel.BadRequests"];

    /// <summary>
    /// Holds <see cref="QueryStringCategories"/> at Warning whatever the configuration says, for
    /// every provider: a plain <c>AddFilter</c> loses to any per-provider level
    /// (<c>Logging:Console:LogLevel:…</c>), because a provider's own rules beat general ones.
    /// </summary>
    public static ILoggingBuilder PinQueryStringCategories(this ILoggingBuilder logging)
    {
        logging.Services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, QueryStringPin>();
        return logging;
    }

    /// <summary>Runs after configuration is bound (and again on every reload): its rules come last and win ties.</summary>
    private sealed class QueryStringPin : IPostConfigureOptions<LoggerFilterOptions>
    {
        public void PostConfigure(string? name, LoggerFilterOptions options)
        {
            var providers = options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList();
            foreach (var provider in providers)
            {
                foreach (var category in QueryStringCategories)
                {
                    options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.Warning, filter: null));
                }
            }
        }
    }
}
