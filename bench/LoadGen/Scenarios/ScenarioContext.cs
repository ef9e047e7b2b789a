using ChatOrleans.LoadGen.Infrastructure;

namespace ChatOrleans.LoadGen.Scenarios;

/// <summary>What a scenario runs with: the loopback sources, the server process (when the generator started it), limits and a log.</summary>
public sealed class ScenarioContext(LoopbackSources sources, ServerProcess? server, int maxConnections, Action<string> log)
{
    public LoopbackSources Sources { get; } = sources;

    /// <summary>The server under test when the generator started it; null when targeting a server it does not own.</summary>
    public ServerProcess? Server { get; } = server;

    /// <summary>The most sockets one process may open here (RLIMIT_NOFILE less a reserve), for the generator and the server alike.</summary>
    public int MaxConnections { get; } = maxConnections;

    /// <summary>Connections opened at once while connecting devices.</summary>
    public int ConnectConcurrency { get; init; } = 64;

    public void Log(string message) => log(message);

    public long ServerRss() => Server?.ReadRssBytes() ?? 0;
}
