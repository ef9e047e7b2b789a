using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Results;
using ChatOrleans.LoadGen.Scenarios;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen;

public sealed record SuiteOptions
{
    public string Mode { get; init; } = "quick";

    /// <summary>Multiplies every count (devices, members, chats, rates); durations stay.</summary>
    public double Scale { get; init; } = 1;

    public IReadOnlyList<string> Scenarios { get; init; } = BenchSuite.AllScenarios;

    public bool Baselines { get; init; } = true;

    public string RepoRoot { get; init; } = ".";

    public string Configuration { get; init; } = "Release";

    public string OutputPath { get; init; } = "";

    /// <summary>Data folders and server logs; under <c>bench/results/tmp/</c> by default (ignored by git).</summary>
    public string WorkDirectory { get; init; } = "";

    /// <summary>A running server to target instead of starting one (no memory or CPU readings then).</summary>
    public Uri? ServerUrl { get; init; }

    public IReadOnlyList<string> ServerArguments { get; init; } = [];

    /// <summary>Stores scenario 3 runs on: <c>embedded</c>, and <c>postgres</c> with <see cref="PostgresArguments"/>.</summary>
    public IReadOnlyList<string> Stores { get; init; } = ["embedded"];

    /// <summary>Server arguments that switch it to PostgreSQL (from BENCH_POSTGRES_ARGS in run.sh).</summary>
    public IReadOnlyList<string> PostgresArguments { get; init; } = [];

    public double? StepSeconds { get; init; }

    public bool AutoDelivered { get; init; } = true;
}

/// <summary>Runs the scenarios for a mode, each on a fresh server process, and collects one <see cref="BenchRun"/>.</summary>
public sealed class BenchSuite(SuiteOptions options, Action<string> log)
{
    public static readonly IReadOnlyList<string> AllScenarios = ["steady", "fanout", "throughput", "connections", "storm", "sender"];

    private const int SocketReserve = 1_024;

    private LoopbackSources _sources = null!;

    public async Task<BenchRun> RunAsync(CancellationToken cancellationToken)
    {
        int openFiles = OpenFilesLimit();
        int maxConnections = Math.Max(16, openFiles - SocketReserve);
        using LoopbackSources sources = LoopbackSources.For(maxConnections);
        _sources = sources;
        var run = new BenchRun
        {
            Mode = options.Mode,
            Scale = options.Scale,
            StartedAt = DateTimeOffset.UtcNow,
            Commit = Git("rev-parse HEAD").Trim(),
            WorkTreeDirty = Git("status --porcelain --untracked-files=no").Trim().Length > 0,
            Machine = ReadMachine(openFiles, maxConnections),
            Settings = new RunSettings
            {
                Scenarios = options.Scenarios,
                ServerArguments = [.. GatewayFixedArguments(), .. options.ServerArguments],
                Stores = options.Stores,
                LoopbackSourceAddresses = sources.Addresses.Count,
                AutoDelivered = options.AutoDelivered,
                ServerProcess = options.ServerUrl is { } url ? $"running server at {url}" : "dotnet ChatOrleans.Gateway.dll (embedded profile, own process)",
            },
        };
        log($"mode {options.Mode}, scale {options.Scale}, commit {run.Commit}; {run.Machine.Nproc} cores, open files {openFiles} → at most {maxConnections} sockets per process; {sources.Addresses.Count} source addresses");
        long started = BenchClock.Now;
        Sizes sizes = Sizes.For(options.Mode, options.Scale, options.StepSeconds);

        ScenarioContext Context(ServerProcess? server) => new(sources, server, maxConnections, log);

        if (Selected("steady"))
        {
            await Attempt(run, "steady-latency", () => WithGateway("steady", [], async (server, transport) =>
                run.SteadyLatency = await new SteadyLatencyScenario(transport, Context(server), sizes.Steady).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
            if (options.Baselines)
            {
                await Attempt(run, "steady-latency-signalr", () => WithBaseline("signalr", SignalRDll, async server =>
                {
                    await using var transport = new SignalRTransport(server.BaseUri, sources);
                    run.SteadyLatencySignalR = await new SteadyLatencyScenario(transport, Context(server), sizes.Steady).RunAsync(cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
            }
        }

        if (Selected("fanout"))
        {
            await Attempt(run, "fanout", () => WithGateway("fanout", [], async (server, transport) =>
                run.Fanout = await new FanoutScenario(transport, Context(server), sizes.Fanout).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
            if (options.Baselines)
            {
                await Attempt(run, "fanout-bare-websocket", () => WithBaseline("bare-websocket", BareDll, async server =>
                {
                    await using var transport = new BareWebSocketTransport(server.BaseUri, sources);
                    run.FanoutBareWebSocket = await new FanoutScenario(transport, Context(server), sizes.Fanout).RunAsync(cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
                await Attempt(run, "fanout-signalr", () => WithBaseline("signalr", SignalRDll, async server =>
                {
                    await using var transport = new SignalRTransport(server.BaseUri, sources);
                    run.FanoutSignalR = await new FanoutScenario(transport, Context(server), sizes.Fanout).RunAsync(cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
            }
        }

        if (Selected("throughput"))
        {
            foreach (string store in options.Stores)
            {
                IReadOnlyList<string> storeArguments = store == "postgres" ? options.PostgresArguments : [];
                await Attempt(run, "throughput-" + store, async () =>
                {
                    if (store == "postgres" && storeArguments.Count == 0)
                    {
                        throw new InvalidOperationException("No server arguments for PostgreSQL: set BENCH_POSTGRES_ARGS.");
                    }

                    await WithGateway("throughput-" + store, storeArguments, async (server, transport) =>
                        run.Throughput.Add(await new ThroughputScenario(transport, Context(server), sizes.Throughput with { Store = store }).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }

        if (Selected("connections"))
        {
            await Attempt(run, "connections", () => WithGateway("connections", [], async (server, transport) =>
                run.Connections = await new ConnectionsScenario(transport, Context(server), sizes.Connections).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }

        if (Selected("storm"))
        {
            await Attempt(run, "reconnect-storm", () => WithGateway("storm", [], async (server, transport) =>
                run.ReconnectStorm = await new ReconnectStormScenario(transport, Context(server), sizes.Storm).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }

        if (Selected("sender"))
        {
            await Attempt(run, "sender-in-many-chats", () => WithGateway("sender", [], async (server, transport) =>
                run.SenderInManyChats = await new SenderInManyChatsScenario(transport, Context(server), sizes.Sender).RunAsync(cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }

        run.FinishedAt = DateTimeOffset.UtcNow;
        run.DurationSeconds = Math.Round(BenchClock.SecondsSince(started), 1);
        run.Targets = Targets.Evaluate(run);
        return run;
    }

    /// <summary>The server arguments every chat server gets besides its ports and data folder: limits raised for load.</summary>
    public static IReadOnlyList<string> GatewayFixedArguments() =>
    [
        "--Gateway:SendBurst=100000",
        "--Gateway:SendsPerSecond=100000",
        "--Gateway:UserSendBurst=100000",
        "--Gateway:UserSendsPerSecond=100000",
        "--Auth:TokenLifetime=2.00:00:00",
        // Registering thousands of load users is set-up, not what is measured.
        "--Auth:PasswordHashIterations=1000",
        // The generator registers and connects its users from a few addresses, as fast as it can.
        "--Auth:RegistrationsPerAddressPerMinute=10000000",
        "--Auth:WsConnectBurst=100000",
        "--Auth:WsConnectsPerSecond=100000",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>The soft limit on open files of this process (the servers it starts inherit it).</summary>
    public static int OpenFilesLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return parts[0] == "unlimited" ? 1_048_576 : int.Parse(parts[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 1_024;
    }

    private string GatewayDll => Built("Gateway", "ChatOrleans.Gateway.dll");

    private string BareDll => Built(Path.Combine("bench", "Baselines", "BareWebSocketServer"), "ChatOrleans.Bench.BareWebSocketServer.dll");

    private string SignalRDll => Built(Path.Combine("bench", "Baselines", "SignalRHubServer"), "ChatOrleans.Bench.SignalRHubServer.dll");

    private string WorkDirectory => options.WorkDirectory.Length > 0
        ? options.WorkDirectory
        : Path.Combine(options.RepoRoot, "bench", "results", "tmp");

    private bool Selected(string scenario) => options.Scenarios.Contains(scenario, StringComparer.OrdinalIgnoreCase);

    private string Built(string project, string dll) =>
        Path.GetFullPath(Path.Combine(options.RepoRoot, project, "bin", options.Configuration, "net10.0", dll));

    private async Task Attempt(BenchRun run, string key, Func<Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log($"[{key}] FAILED: {ex}");
            run.Errors[key] = ex.ToString();
        }
    }

    private async Task WithGateway(string name, IReadOnlyList<string> storeArguments, Func<ServerProcess?, ChatTransport, Task> body)
    {
        var transportOptions = new ChatTransportOptions { AutoDelivered = options.AutoDelivered };
        if (options.ServerUrl is { } url)
        {
            await using var remote = new ChatTransport(url, _sources, transportOptions);
            await body(null, remote).ConfigureAwait(false);
            return;
        }

        string data = Path.Combine(WorkDirectory, $"{name}-data-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        string[] arguments =
        [
            $"--Storage:DataDirectory={data}",
            $"--Orleans:SiloPort={ServerProcess.FreeTcpPort()}",
            $"--Orleans:GatewayPort={ServerProcess.FreeTcpPort()}",
            $"--Orleans:ClusterId=bench-{Guid.NewGuid():N}",
            .. GatewayFixedArguments(),
            .. storeArguments,
            .. options.ServerArguments,
        ];
        try
        {
            await using ServerProcess server = await ServerProcess.StartAsync("gateway-" + name, GatewayDll, arguments, WorkDirectory).ConfigureAwait(false);
            log($"[{name}] gateway pid {server.Pid} at {server.BaseUri} (log {server.LogPath})");
            await using var transport = new ChatTransport(server.BaseUri, _sources, transportOptions);
            await body(server, transport).ConfigureAwait(false);
            if (server.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited during the scenario:\n{server.Tail()}");
            }
        }
        finally
        {
            TryDelete(data);
        }
    }

    private async Task WithBaseline(string name, string dll, Func<ServerProcess, Task> body)
    {
        await using ServerProcess server = await ServerProcess.StartAsync(name, dll, [], WorkDirectory).ConfigureAwait(false);
        log($"[{name}] baseline pid {server.Pid} at {server.BaseUri}");
        await body(server).ConfigureAwait(false);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = options.RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process git = Process.Start(info)!;
            string output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    private static MachineInfo ReadMachine(int openFiles, int maxConnections)
    {
        long memory = 0;
        string cpu = "";
        double load = 0;
        try
        {
            string? total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null)
            {
                memory = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }

            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
            load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
        }

        return new MachineInfo
        {
            Nproc = Environment.ProcessorCount,
            MemoryBytes = memory,
            CpuModel = cpu,
            Os = RuntimeInformation.OSDescription,
            Runtime = RuntimeInformation.FrameworkDescription,
            OpenFilesLimit = openFiles,
            MaxConnectionsPerProcess = maxConnections,
            LoadAverageAtStart = load,
        };
    }
}
