using System.Diagnostics;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>CPU seconds of the server under test and of the generator over one measured interval.</summary>
public sealed class CpuWindow
{
    private readonly ServerProcess? _server;
    private readonly double _serverStart;
    private readonly double _generatorStart;
    private readonly long _started;

    private CpuWindow(ServerProcess? server)
    {
        _server = server;
        _serverStart = server?.ReadCpuSeconds() ?? 0;
        _generatorStart = GeneratorCpuSeconds();
        _started = BenchClock.Now;
    }

    public static CpuWindow Start(ServerProcess? server) => new(server);

    public static double GeneratorCpuSeconds()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    public CpuUsage Stop()
    {
        double wall = BenchClock.SecondsSince(_started);
        double server = _server is null ? 0 : _server.ReadCpuSeconds() - _serverStart;
        double generator = GeneratorCpuSeconds() - _generatorStart;
        return new CpuUsage(Math.Round(wall, 2), Math.Round(server, 2), Math.Round(generator, 2));
    }
}

/// <summary>Wall-clock seconds and CPU seconds (server, generator) of an interval; cores used = CPU seconds / wall.</summary>
public sealed record CpuUsage(double WallSeconds, double ServerCpuSeconds, double GeneratorCpuSeconds);
