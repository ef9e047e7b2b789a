using System.Net;
using System.Net.Sockets;
using ChatOrleans.Client;
using ChatOrleans.Tests.Cluster;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Hostile;

/// <summary>The hostile-client tests run alone: their timing and memory bounds must not share the machine with other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection : ICollectionFixture<HostileGateway>
{
    public const string Name = "hostile clients";
}

/// <summary>
/// The embedded default as users run it, in a process of its own so that its resident memory
/// can be read: <c>dotnet ChatOrleans.Gateway.dll</c> with the shipped limits and password cost,
/// Web Push configured (so push endpoints matter), a fresh data folder and free ports. Only the
/// registration limit is lowered, so that a flood reaches it without minutes of hashing.
/// </summary>
public sealed class HostileGateway : IAsyncLifetime
{
    /// <summary>Registrations per minute per client address in this process (the shipped default is 300).</summary>
    public const int RegistrationsPerMinute = 30;

    private readonly TempDirectory _work = new();
    private int _nextAddress = 1;

    public ClusterProcess Process { get; private set; } = null!;

    public Uri BaseUri => Process.BaseUri;

    public async Task InitializeAsync()
    {
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var httpPort = FreePorts.Next();
        var data = Path.Combine(_work.Path, "data");
        string[] arguments =
        [
            $"--urls=http://127.0.0.1:{httpPort}",
            $"--Storage:DataDirectory={data}",
            $"--Orleans:SiloPort={siloPort}",
            $"--Orleans:GatewayPort={gatewayPort}",
            $"--Orleans:ClusterId=hostile-{Guid.NewGuid():N}",
            $"--Auth:RegistrationsPerAddressPerMinute={RegistrationsPerMinute}",
            "--Notifications:WebPush:Subject=mailto:ops@example.com",
            $"--Notifications:WebPush:KeyFile={Path.Combine(_work.Path, "vapid.json")}",
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
        ];
        Process = ClusterProcess.Start(
            "hostile-gateway", ClusterRole.Gateway, ProductionCluster.ProjectOutput("Gateway", "ChatOrleans.Gateway.dll"), arguments, _work.Path, siloPort, gatewayPort, httpPort);
        await Process.WaitForHealthAsync(TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        Process.Dispose();
        _work.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A loopback address of its own (127.0.0.2, .3, …) for one test: the per-address limits one
    /// test provokes never refuse another's requests. All of 127/8 is loopback on Linux.
    /// </summary>
    public IPAddress NextClientAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return new IPAddress([127, 0, (byte)(n / 250), (byte)(2 + (n % 250))]);
    }

    /// <summary>An HTTP handler whose connections come from <paramref name="local"/>.</summary>
    public static SocketsHttpHandler HandlerFrom(IPAddress local) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 64,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>An API client whose requests come from <paramref name="local"/>.</summary>
    public ChatApiClient ApiFrom(IPAddress local) => new(BaseUri, HandlerFrom(local), disposeHandler: true);

    /// <summary>Registers a user with a fresh name from an address of its own, with the shipped password cost.</summary>
    public async Task<(ChatApiClient Api, AuthResult Auth, string Username, string Password)> RegisterAsync()
    {
        var api = ApiFrom(NextClientAddress());
        var username = $"h{Guid.NewGuid():N}"[..20];
        var password = "correct horse " + Guid.NewGuid().ToString("N")[..8];
        var auth = await api.RegisterAsync(username, password);
        return (api, auth, username, password);
    }

    /// <summary>The server process's resident memory now.</summary>
    public long RssBytes() => Process.ServerRssBytes() ?? throw new InvalidOperationException($"The gateway is gone.\n{Process.LogTail()}");
}

/// <summary>Samples the server's resident memory every 100 ms while an attack runs and keeps the peak.</summary>
public sealed class RssWatch : IDisposable
{
    private readonly HostileGateway _gateway;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    public RssWatch(HostileGateway gateway)
    {
        _gateway = gateway;
        Before = gateway.RssBytes();
        _peak = Before;
        _thread = new Thread(Run) { IsBackground = true, Name = "rss watch" };
        _thread.Start();
    }

    public long Before { get; }

    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Stops sampling and fails when the peak rose more than <paramref name="boundBytes"/> above the start.</summary>
    public string AssertGrowthBelow(long boundBytes)
    {
        Dispose();
        var growth = Peak - Before;
        var summary = $"The gateway's RSS rose from {Before / 1048576} MiB to {Peak / 1048576} MiB (+{growth / 1048576} MiB); the bound is +{boundBytes / 1048576} MiB.";
        Assert.True(growth < boundBytes, summary);
        return summary;
    }

    public void Dispose()
    {
        if (!_stop)
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        while (!_stop)
        {
            if (_gateway.Process.ServerRssBytes() is { } rss && rss > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, rss);
            }

            Thread.Sleep(100);
        }
    }
}
