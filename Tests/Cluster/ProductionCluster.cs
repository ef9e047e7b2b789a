using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using ChatOrleans.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ChatOrleans.Tests.Cluster;

/// <summary>
/// The production profile as separate processes on loopback: two backend silos
/// (<c>ChatOrleans.Silo.dll</c>) and two gateways (<c>ChatOrleans.Gateway.dll</c> of the client-only build, cluster clients),
/// clustered through the Redis of <c>CHATORLEANS_TEST_REDIS</c> under a fresh ClusterId, on a fresh
/// PostgreSQL database of <c>CHATORLEANS_TEST_POSTGRES</c>. Shared by the tests of a class: each test
/// calls <see cref="EnsureWholeAsync"/> first, which replaces whatever an earlier test killed.
/// </summary>
/// <remarks>
/// Builds nothing: it runs the build output of the test assembly's configuration
/// (<c>Silo/bin/&lt;Config&gt;/&lt;tfm&gt;/</c>, <c>Gateway/bin/&lt;Config&gt;/&lt;tfm&gt;/</c>). A small Orleans
/// client in the test process reads membership and grain placement through the management grain.
/// </remarks>
public sealed class ProductionCluster : IAsyncLifetime
{
    public const string RedisVariable = "CHATORLEANS_TEST_REDIS";
    public const string AzuriteVariable = "CHATORLEANS_TEST_AZURITE";
    public const string LogsVariable = "CHATORLEANS_CLUSTER_LOGS";
    public const int SiloCount = 2;
    public const int GatewayCount = 2;

    /// <summary>How long one process may take to start on a busy two-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long membership may take to agree after a start or a kill.</summary>
    public static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly string _signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly TempDirectory _work = new();
    private readonly List<ClusterProcess> _started = [];
    private readonly ClusterProcess?[] _silos = new ClusterProcess?[SiloCount];
    private readonly ClusterProcess?[] _gateways = new ClusterProcess?[GatewayCount];
    private readonly string _serviceId = new DeploymentOptions().ServiceId;
    private readonly ProductionClusterOptions _options;
    private PostgresTestDatabase? _database;
    private IHost? _managementHost;
    private int _nextSilo;
    private int _nextGateway;

    /// <summary>The shared servers of <c>CHATORLEANS_TEST_REDIS</c> and <c>CHATORLEANS_TEST_POSTGRES</c> (what xunit creates).</summary>
    public ProductionCluster()
        : this(new ProductionClusterOptions())
    {
    }

    /// <summary>A cluster on other servers, e.g. private ones a test stops and starts.</summary>
    internal ProductionCluster(ProductionClusterOptions options)
    {
        _options = options;
    }

    /// <summary>Fresh per fixture: dead membership rows of earlier runs stay in Redis under their own id.</summary>
    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..16];

    public string Redis { get; private set; } = "";

    /// <summary>The production profile keeps media in Azure Blob Storage: Azurite here, a fresh container per cluster.</summary>
    public string Azurite { get; private set; } = "";

    public string PostgresConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("Not started.");

    /// <summary>The running backend silos, in slot order.</summary>
    public IReadOnlyList<ClusterProcess> Silos => [.. _silos.OfType<ClusterProcess>().Where(p => !p.HasExited)];

    /// <summary>The running gateways, in slot order.</summary>
    public IReadOnlyList<ClusterProcess> Gateways => [.. _gateways.OfType<ClusterProcess>().Where(p => !p.HasExited)];

    /// <summary>Every process started so far, killed ones included.</summary>
    public IReadOnlyList<ClusterProcess> AllProcesses
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    public IClusterClient Management =>
        _managementHost?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        Redis = _options.Redis ?? Environment.GetEnvironmentVariable(RedisVariable) ?? "";
        if (string.IsNullOrWhiteSpace(Redis))
        {
            throw new InvalidOperationException(
                $"{RedisVariable} is not set, so the multi-process cluster tests cannot run: run ./test.sh, which starts Redis " +
                $"(deploy/services/redis.sh start) and sets {RedisVariable} to its address.");
        }

        Azurite = Environment.GetEnvironmentVariable(AzuriteVariable) ?? "";
        if (string.IsNullOrWhiteSpace(Azurite))
        {
            throw new InvalidOperationException(
                $"{AzuriteVariable} is not set, so the multi-process cluster tests cannot run (the production profile stores media " +
                $"in Azure Blob Storage): run ./test.sh, which starts Azurite (deploy/services/azurite.sh start) and sets it.");
        }

        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        _database = await PostgresTestDatabase.CreateAsync(_options.PostgresServer);
        try
        {
            await EnsureWholeAsync();
        }
        catch
        {
            // Nothing may outlive a cluster that failed to form.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a replacement for every silo and gateway slot whose process is gone, waits until each
    /// answers <c>/healthz</c>, membership lists exactly the running silos, and every gateway serves
    /// a registration through the grains.
    /// </summary>
    public async Task EnsureWholeAsync()
    {
        var startedSilos = new List<ClusterProcess>();
        for (var i = 0; i < SiloCount; i++)
        {
            if (_silos[i] is not { HasExited: false })
            {
                _silos[i] = StartSilo();
                startedSilos.Add(_silos[i]!);
            }
        }

        // Gateways find the cluster through the silos' rows in Redis: silos first.
        await Task.WhenAll(startedSilos.Select(s => s.WaitForHealthAsync(StartTimeout)));

        var startedGateways = new List<ClusterProcess>();
        for (var i = 0; i < GatewayCount; i++)
        {
            if (_gateways[i] is not { HasExited: false })
            {
                _gateways[i] = StartGateway();
                startedGateways.Add(_gateways[i]!);
            }
        }

        await Task.WhenAll(startedGateways.Select(g => g.WaitForHealthAsync(StartTimeout)));

        if (_managementHost is null)
        {
            _managementHost = await StartManagementClientAsync();
        }

        await WaitForActiveSilosAsync(Silos);
        await Task.WhenAll(Gateways.Select(WaitUntilServingAsync));
    }

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public static async Task KillAsync(ClusterProcess process)
    {
        process.Kill();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>The silos membership lists as active, by silo port (asked through the management grain).</summary>
    public async Task<IReadOnlySet<int>> GetActiveSiloPortsAsync()
    {
        var hosts = await Management.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return hosts.Where(h => h.Value == SiloStatus.Active).Select(h => h.Key.Endpoint.Port).ToHashSet();
    }

    /// <summary>Waits until membership lists exactly <paramref name="silos"/> as active.</summary>
    public async Task WaitForActiveSilosAsync(IReadOnlyList<ClusterProcess> silos)
    {
        var expected = silos.Select(s => s.SiloPort).ToHashSet();
        IReadOnlySet<int> last = new HashSet<int>();
        Exception? lastError = null;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < MembershipTimeout)
        {
            try
            {
                last = await GetActiveSiloPortsAsync();
                if (last.SetEquals(expected))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException)
            {
                lastError = ex;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException(
            $"Membership did not list exactly silo ports [{string.Join(",", expected)}] as active within {MembershipTimeout}; " +
            $"last seen [{string.Join(",", last)}]. {lastError}\n{DescribeLogs()}");
    }

    /// <summary>The silo port of the silo hosting the grain's activation, if membership knows one.</summary>
    public async Task<int?> GetSiloPortOfAsync(IAddressable grain)
    {
        var address = await Management.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        return address?.Endpoint.Port;
    }

    /// <summary>This cluster's rows in the Redis membership table: silo port and Orleans status.</summary>
    public async Task<IReadOnlyList<(int SiloPort, SiloStatus Status)>> ReadRedisMembershipAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis);
        var rows = await redis.GetDatabase().HashGetAllAsync($"{_serviceId}/members/{ClusterId}");
        var members = new List<(int, SiloStatus)>();
        foreach (var row in rows)
        {
            if (row.Name == "Version")
            {
                continue;
            }

            using var json = JsonDocument.Parse(row.Value.ToString());
            var address = json.RootElement.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
            var port = int.Parse(address.Split('@')[0].Split(':')[^1], CultureInfo.InvariantCulture);
            members.Add((port, (SiloStatus)json.RootElement.GetProperty("Status").GetInt32()));
        }

        return members;
    }

    /// <summary>The last lines of every process's output, killed ones included, for failure reports.</summary>
    public string DescribeLogs(int lines = 60) =>
        $"cluster {ClusterId}\n" + string.Join("\n", AllProcesses.Select(p => p.LogTail(lines)));

    public async Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_managementHost is not null)
        {
            try
            {
                await _managementHost.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or OrleansException)
            {
                // The processes go next anyway.
            }

            _managementHost.Dispose();
            _managementHost = null;
        }

        KillAll();
        SaveLogs();
        await ForgetMembershipAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
            _database = null;
        }

        _work.Dispose();
    }

    private ClusterProcess StartSilo()
    {
        var name = $"silo-{++_nextSilo}";
        return Start(name, ClusterRole.Silo, ProjectOutput("Silo", "ChatOrleans.Silo.dll"), []);
    }

    private ClusterProcess StartGateway()
    {
        var name = $"gateway-{++_nextGateway}";
        return Start(
            name,
            ClusterRole.Gateway,
            ProductionGatewayBuild.GatewayDll,
            [
                // The tests stream bursts from few devices; the send limits are not what they check.
                "--Gateway:SendBurst=10000",
                "--Gateway:SendsPerSecond=10000",
                "--Gateway:UserSendBurst=10000",
                "--Gateway:UserSendsPerSecond=10000",
            ]);
    }

    private ClusterProcess Start(string name, ClusterRole role, string dll, IEnumerable<string> extra)
    {
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var httpPort = FreePorts.Next();
        var workingDirectory = Path.Combine(_work.Path, name);
        Directory.CreateDirectory(workingDirectory);
        string[] arguments =
        [
            "--Orleans:Profile=Production",
            $"--Orleans:ClusterId={ClusterId}",
            $"--Orleans:Redis={Redis}",
            $"--Orleans:Postgres={PostgresConnectionString}",
            $"--Media:Azure:ConnectionString={Azurite}",
            $"--Media:Azure:Container={ClusterId}",
            $"--Orleans:SiloPort={siloPort}",
            $"--Orleans:GatewayPort={gatewayPort}",
            $"--urls=http://127.0.0.1:{httpPort}",
            $"--Auth:SigningKey={_signingKey}",
            "--Auth:PasswordHashIterations=1000",

            // A dead silo is declared dead within seconds instead of Orleans' tens of seconds.
            "--Orleans:Membership:ProbeTimeout=00:00:01",
            "--Orleans:Membership:NumMissedProbesLimit=2",
            "--Orleans:Membership:TableRefreshTimeout=00:00:02",
            "--Orleans:Membership:IAmAliveTablePublishTimeout=00:00:05",

            // A call in flight to a silo that dies waits this long for its answer (Orleans: 30 s).
            "--Orleans:Messaging:ResponseTimeout=00:00:10",

            // One line per entry, so a failure report can be searched.
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            "--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff ",
            .. extra,
        ];
        var process = ClusterProcess.Start(name, role, dll, arguments, workingDirectory, siloPort, gatewayPort, httpPort);
        lock (_started)
        {
            _started.Add(process);
        }

        return process;
    }

    /// <summary>A gateway is serving once a registration goes through it to the grains and the database.</summary>
    private async Task WaitUntilServingAsync(ClusterProcess gateway)
    {
        var deadline = Stopwatch.StartNew();
        string? last = null;
        while (true)
        {
            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"{gateway.Name} exited while the cluster was forming.\n{gateway.LogTail()}");
            }

            try
            {
                using var api = new ChatApiClient(gateway.BaseUri, Http);
                await api.RegisterAsync("probe" + Guid.NewGuid().ToString("N")[..16], "password1");
                return;
            }
            catch (ChatApiException ex) when (ex.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError)
            {
                last = ex.Message;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{gateway.Name} did not serve a registration within {StartTimeout}: {last}\n{gateway.LogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private async Task<IHost> StartManagementClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = _serviceId;
            });
            client.UseRedisClustering(Redis);
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(StartTimeout);
        return host;
    }

    /// <summary>Removes this cluster's membership table from Redis: every process of it is gone.</summary>
    private async Task ForgetMembershipAsync()
    {
        if (Redis.Length == 0)
        {
            return;
        }

        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis);
            await redis.GetDatabase().KeyDeleteAsync($"{_serviceId}/members/{ClusterId}");
        }
        catch (RedisException)
        {
            // Only tidiness: a fresh ClusterId per run never reads these rows again.
        }
    }

    /// <summary>With <c>CHATORLEANS_CLUSTER_LOGS</c> set to a folder, every process's whole output goes there.</summary>
    private void SaveLogs()
    {
        if (Environment.GetEnvironmentVariable(LogsVariable) is not { Length: > 0 } folder)
        {
            return;
        }

        var target = Path.Combine(folder, ClusterId);
        Directory.CreateDirectory(target);
        foreach (var process in AllProcesses)
        {
            process.SaveLog(Path.Combine(target, process.Name + ".log"));
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => KillAll();

    private void KillAll()
    {
        foreach (var process in AllProcesses)
        {
            process.Dispose();
        }
    }

    /// <summary>
    /// A project's build output beside the test assembly's: the test assembly runs from
    /// <c>Tests/bin/&lt;Config&gt;/&lt;tfm&gt;/</c>, so <c>../../../../&lt;Project&gt;/bin/&lt;Config&gt;/&lt;tfm&gt;/</c>.
    /// </summary>
    internal static string ProjectOutput(string project, string dll)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(root, project, "bin", configuration, framework, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: build the solution in {configuration} first (dotnet build ChatOrleans.sln -c {configuration}).", path);
        }

        return path;
    }
}

/// <summary>
/// What a <see cref="ProductionCluster"/> runs on instead of the shared test servers; null keeps
/// the shared one.
/// </summary>
/// <param name="Redis">The StackExchange.Redis configuration string of the membership store.</param>
/// <param name="PostgresServer">A connection string to the PostgreSQL server the cluster's fresh database is created on.</param>
internal sealed record ProductionClusterOptions(string? Redis = null, string? PostgresServer = null);

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProductionClusterCollection
{
    // Alone: failure detection is timed, and four processes already fill two cores.
    public const string Name = "production-cluster";
}
