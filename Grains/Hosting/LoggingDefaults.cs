using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace ChatOrleans.Grains.Hosting;

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
}
