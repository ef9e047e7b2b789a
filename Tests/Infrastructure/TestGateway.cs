using ChatOrleans.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// The real all-in-one process (silo, grains, gateway) built by <see cref="GatewayApp"/> and
/// listening on a loopback port, with its own data folder and Orleans ports. It can be stopped
/// and started again on the same data folder, as after a crash or a restart.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly TempDirectory? _ownedData;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;
    private WebApplication? _app;

    private TestGateway(string dataPath, TempDirectory? ownedData, IDictionary<string, string?>? settings, Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
        DataPath = dataPath;
        _ownedData = ownedData;
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
    }

    public string DataPath { get; }

    public Uri BaseUri { get; private set; } = null!;

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The gateway is not running.");

    /// <summary>
    /// Starts a gateway on a fresh data folder, with optional configuration overrides and
    /// services registered before the process's own (e.g. test doubles of outbound services);
    /// both apply again at every <see cref="StartAgainAsync"/>.
    /// </summary>
    public static async Task<TestGateway> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var data = new TempDirectory();
        var gateway = new TestGateway(data.Path, data, settings, configureServices);
        try
        {
            await gateway.StartAgainAsync();
        }
        catch
        {
            // A gateway that refused to start (a bad setting) leaves no folder behind.
            data.Dispose();
            throw;
        }

        return gateway;
    }

    /// <summary>Starts (again) on the same data folder, with fresh ports.</summary>
    public async Task StartAgainAsync()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The gateway is already running.");
        }

        var settings = new Dictionary<string, string?>
        {
            // Hashing cost is not what these tests are about; many registrations stay fast.
            ["Auth:PasswordHashIterations"] = "1000",
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        settings = new Dictionary<string, string?>(settings)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:DataDirectory"] = DataPath,
            ["Orleans:SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans:GatewayPort"] = FreePorts.Next().ToString(),
            ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N"),
        };
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            _configureServices?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        _app = app;
        BaseUri = new Uri(app.Urls.First());
    }

    /// <summary>Stops the process's host; what was acked must be on disk already.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _ownedData?.Dispose();
    }
}
