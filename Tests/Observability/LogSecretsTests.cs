using System.Security.Cryptography;
using System.Text;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.Infrastructure;
using ChatOrleans.Tests.Storage;
using Npgsql;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// No token, password, key or message text in any log: real processes, their whole output
/// captured at verbose levels, every path that handles a secret walked (<see cref="SecretScenario"/>),
/// then every line searched for every secret the run used. Once for the embedded default, once
/// for the production profile (a silo and a gateway on PostgreSQL, Redis and Azurite).
/// </summary>
/// <remarks>
/// With the cluster tests: the production run's processes must not share two cores with theirs.
/// </remarks>
[Collection(ProductionClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class LogSecretsTests
{
    private const string OperatorUsername = "ops";

    /// <summary>Paths the scenario calls on a gateway.</summary>
    private static readonly string[] GatewayPaths =
        ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/ws-tickets", "/ws", "/api/v1/search", "/api/v1/media/uploads", "/api/v1/me/devices/", "/metrics"];

    [Fact]
    public async Task TheEmbeddedDefaultAtTraceLogsNoSecretOfAnyPath()
    {
        using var work = new TempDirectory();
        var secrets = new SecretLedger();
        await using var fcm = await FakeFcm.StartAsync(work.Path, secrets);
        var (siloPort, gatewayPort, httpPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        string[] arguments =
        [
            $"--urls=http://127.0.0.1:{httpPort}",
            $"--Storage:DataDirectory={Path.Combine(work.Path, "data")}",
            $"--Orleans:SiloPort={siloPort}",
            $"--Orleans:GatewayPort={gatewayPort}",
            $"--Orleans:ClusterId=secrets-{Guid.NewGuid():N}",
            .. CommonArguments(secrets, out var operatorPassword),
            .. fcm.Arguments,

            // Everything, the web stack's own trace lines included; one line per entry.
            "--Logging:LogLevel:Default=Trace",
            "--Logging:LogLevel:Microsoft.AspNetCore=Trace",
            "--Logging:LogLevel:Orleans=Information",
            "--Logging:Console:LogLevel:Microsoft.AspNetCore=Trace",
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            "--Logging:Console:FormatterOptions:IncludeScopes=true",
        ];
        using var gateway = ClusterProcess.Start(
            "embedded", ClusterRole.Gateway, ProductionCluster.ProjectOutput("Gateway", "ChatOrleans.Gateway.dll"), arguments, work.Path, siloPort, gatewayPort, httpPort);
        await gateway.WaitForHealthAsync(ProductionCluster.StartTimeout);
        var first = FirstLine(gateway);

        var scenario = new SecretScenario(gateway.BaseUri, [gateway], secrets, fcm);
        try
        {
            await scenario.RunAsync(OperatorUsername, operatorPassword, [new Uri(gateway.BaseUri, "metrics")]);
        }
        finally
        {
            SaveLogs(gateway);
        }

        AssertLoggedRequests(gateway, [.. GatewayPaths, "/files/"]);
        Assert.NotEmpty(gateway.LogLinesContaining("trce: "));
        AssertNoLeak(secrets, [(gateway, first)]);
    }

    [Fact]
    public async Task TheProductionProfileWithJsonLogsLogsNoSecretOfAnyPath()
    {
        var redis = Required(ProductionCluster.RedisVariable);
        var azurite = Required(ProductionCluster.AzuriteVariable);
        await using var database = await PostgresTestDatabase.CreateAsync();
        using var work = new TempDirectory();
        var secrets = new SecretLedger();
        await using var fcm = await FakeFcm.StartAsync(work.Path, secrets);
        secrets.Add("PostgreSQL password", new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!);
        secrets.Add("blob storage account key", azurite.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..]);
        var clusterId = "secrets-" + Guid.NewGuid().ToString("N")[..16];
        var common = CommonArguments(secrets, out var operatorPassword);

        ClusterProcess Start(string name, ClusterRole role, string dll)
        {
            var (siloPort, gatewayPort, httpPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
            var folder = Path.Combine(work.Path, name);
            Directory.CreateDirectory(folder);
            string[] arguments =
            [
                "--Orleans:Profile=Production",
                $"--Orleans:ClusterId={clusterId}",
                $"--Orleans:Redis={redis}",
                $"--Orleans:Postgres={database.ConnectionString}",
                $"--Media:Azure:ConnectionString={azurite}",
                $"--Media:Azure:Container={clusterId}",
                $"--Orleans:SiloPort={siloPort}",
                $"--Orleans:GatewayPort={gatewayPort}",
                $"--urls=http://127.0.0.1:{httpPort}",
                .. common,
                .. fcm.Arguments,

                // As an operator would raise them, in JSON lines.
                "--Logging:LogLevel:Default=Debug",
                "--Logging:LogLevel:Microsoft.AspNetCore=Information",

                // The same for the console alone, as per-provider levels say it.
                "--Logging:Console:LogLevel:Microsoft.AspNetCore=Information",
                "--Logging:LogLevel:Orleans=Debug",
                "--Logging:Console:FormatterName=json",
                "--Logging:Console:FormatterOptions:IncludeScopes=true",
            ];
            return ClusterProcess.Start(name, role, dll, arguments, folder, siloPort, gatewayPort, httpPort);
        }

        using var silo = Start("silo", ClusterRole.Silo, ProductionCluster.ProjectOutput("Silo", "ChatOrleans.Silo.dll"));
        await silo.WaitForHealthAsync(ProductionCluster.StartTimeout);
        using var gateway = Start("gateway", ClusterRole.Gateway, ProductionGatewayBuild.GatewayDll);
        await gateway.WaitForHealthAsync(ProductionCluster.StartTimeout);
        var firstLines = new[] { (silo, FirstLine(silo)), (gateway, FirstLine(gateway)) };
        await WaitUntilServingAsync(gateway);

        var scenario = new SecretScenario(gateway.BaseUri, [silo, gateway], secrets, fcm);
        try
        {
            await scenario.RunAsync(
                OperatorUsername, operatorPassword, [new Uri(gateway.BaseUri, "metrics"), new Uri(silo.BaseUri, "metrics"), new Uri(silo.BaseUri, "dashboard/")]);
        }
        finally
        {
            SaveLogs(silo, gateway);
        }

        AssertLoggedRequests(gateway, GatewayPaths);
        AssertLoggedRequests(silo, "/metrics", "/dashboard/");
        Assert.NotEmpty(gateway.LogLinesContaining("\"LogLevel\":\"Debug\""));
        Assert.NotEmpty(silo.LogLinesContaining("\"LogLevel\":\"Debug\""));
        AssertNoLeak(secrets, firstLines);
    }

    /// <summary>The signing key, the operator credential and the VAPID key pair, all fresh, as settings of every process.</summary>
    private static string[] CommonArguments(SecretLedger secrets, out string operatorPassword)
    {
        var keyBytes = RandomNumberGenerator.GetBytes(32);
        var signingKey = secrets.Add("signing key", Convert.ToBase64String(keyBytes));
        secrets.Add("signing key", SecretScenario.Base64Url(keyBytes));
        secrets.Add("signing key", Convert.ToHexString(keyBytes));
        operatorPassword = secrets.Add("operator password", SecretLedger.Fresh("op-"));
        secrets.Add("operator Basic credential", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OperatorUsername}:{operatorPassword}")));
        using var vapid = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = vapid.ExportParameters(true);
        var privateKey = secrets.Add("VAPID private key", SecretScenario.Base64Url(parameters.D!));
        return
        [
            $"--Auth:SigningKey={signingKey}",
            "--Auth:PasswordHashIterations=1000",
            $"--Operator:Username={OperatorUsername}",
            $"--Operator:Password={operatorPassword}",
            "--Notifications:WebPush:Subject=mailto:ops@example.com",
            $"--Notifications:WebPush:PublicKey={SecretScenario.Base64Url([0x04, .. parameters.Q.X!, .. parameters.Q.Y!])}",
            $"--Notifications:WebPush:PrivateKey={privateKey}",
            "--Notifications:WebPush:AllowPrivateNetworkEndpoints=true",
            "--Notifications:CoalesceDelay=00:00:00.200",
            "--Notifications:EmailDelayUnit=00:00:00.200",
        ];
    }

    /// <summary>
    /// Not a silent logger: the request lines of the paths the scenario called are there, with
    /// their status codes.
    /// </summary>
    private static void AssertLoggedRequests(ClusterProcess process, params string[] paths)
    {
        foreach (var path in paths)
        {
            Assert.True(
                process.LogLinesContaining(path).Any(l => l.Contains("StatusCode", StringComparison.Ordinal)),
                $"{process.Name} logged no request line for {path}.\n{process.LogTail(60)}");
        }
    }

    private static void AssertNoLeak(SecretLedger secrets, IReadOnlyList<(ClusterProcess Process, string First)> processes)
    {
        foreach (var (process, first) in processes)
        {
            // The whole output is still held: nothing was dropped to keep the capture bounded.
            Assert.Equal(first, FirstLine(process));
        }

        var leaks = secrets.FindLeaks(processes.Select(p => p.Process));
        Assert.True(leaks.Count == 0, $"{leaks.Count} log lines hold a secret:\n{string.Join('\n', leaks.Take(40))}");
    }

    /// <summary>With <c>CHATORLEANS_CLUSTER_LOGS</c> set to a folder, the whole output of the run is kept there to read.</summary>
    private static void SaveLogs(params ClusterProcess[] processes)
    {
        if (Environment.GetEnvironmentVariable(ProductionCluster.LogsVariable) is not { Length: > 0 } folder)
        {
            return;
        }

        var target = Path.Combine(folder, "log-secrets-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(target);
        foreach (var process in processes)
        {
            process.SaveLog(Path.Combine(target, process.Name + ".log"));
        }
    }

    private static string FirstLine(ClusterProcess process) =>
        process.LogLinesContaining("") is [var first, ..] ? first : throw new InvalidOperationException($"{process.Name} wrote nothing.");

    /// <summary>A gateway serves once a registration goes through it to the silo and the database.</summary>
    private static async Task WaitUntilServingAsync(ClusterProcess gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var api = new Client.ChatApiClient(gateway.BaseUri, http);
                await api.RegisterAsync(EndToEnd.Proto.UniqueName(), "password1");
                return;
            }
            catch (Exception ex) when (ex is Client.ChatApiException or HttpRequestException or TaskCanceledException)
            {
                if (clock.Elapsed > ProductionCluster.StartTimeout)
                {
                    throw new TimeoutException($"{gateway.Name} served no registration: {ex.Message}\n{gateway.LogTail()}");
                }
            }

            await Task.Delay(250);
        }
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run ./test.sh, which starts the services and sets it.");
}
