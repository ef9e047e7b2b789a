using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Grains.Hosting;

/// <summary>Says at start which default embedded ports were taken and which free ones replaced them.</summary>
public sealed partial class EmbeddedPortsReport(EmbeddedPorts ports, ILogger<EmbeddedPortsReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var replaced in ports.Replaced)
        {
            LogPortReplaced(replaced);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "{Replacement}; set it to choose a port (another ChatOrleans process on this machine may hold the default)")]
    private partial void LogPortReplaced(string replacement);
}
