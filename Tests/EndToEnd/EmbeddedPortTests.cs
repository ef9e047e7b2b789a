using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ChatOrleans.Gateway;
using ChatOrleans.Grains.Hosting;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// Two embedded servers on one machine never share Orleans ports: ports set in configuration
/// that are taken stop the start with a message naming the setting; taken defaults are replaced
/// by free ports, and the log says which (issue 12, item 17).
/// </summary>
[Collection(EmbeddedPortCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EmbeddedPortTests
{
    [Fact]
    public async Task ASecondServerOnTakenConfiguredPortsRefusesToStartAndNamesTheSetting()
    {
        var (siloPort, gatewayPort) = (FreePorts.Next(), FreePorts.Next());
        await using var first = await StartAsync(new() { ["Orleans:SiloPort"] = $"{siloPort}", ["Orleans:GatewayPort"] = $"{gatewayPort}" });

        var silo = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartAsync(new() { ["Orleans:SiloPort"] = $"{siloPort}", ["Orleans:GatewayPort"] = $"{FreePorts.Next()}" }));
        Assert.Contains("Orleans:SiloPort", silo.Message, StringComparison.Ordinal);
        Assert.Contains($"{siloPort}", silo.Message, StringComparison.Ordinal);

        var gateway = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartAsync(new() { ["Orleans:SiloPort"] = $"{FreePorts.Next()}", ["Orleans:GatewayPort"] = $"{gatewayPort}" }));
        Assert.Contains("Orleans:GatewayPort", gateway.Message, StringComparison.Ordinal);

        // The first one is unharmed and still serves.
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(first.BaseUri, "healthz"))).StatusCode);
    }

    [Fact]
    public async Task OnePortConfiguredForBothIsRefusedNamingBothSettings()
    {
        var port = FreePorts.Next();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartAsync(new() { ["Orleans:SiloPort"] = $"{port}", ["Orleans:GatewayPort"] = $"{port}" }));

        Assert.Contains("Orleans:GatewayPort", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Orleans:SiloPort", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheDefaultPortsAreTakenAServerWithoutPortSettingsTakesFreeOnesAndLogsWhich()
    {
        var defaults = new DeploymentOptions();
        // Held the way Orleans holds its listeners (address reuse); a port someone else holds is taken all the same.
        using var siloHolder = Hold(defaults.SiloPort);
        using var gatewayHolder = Hold(defaults.GatewayPort);
        var logs = new ConcurrentQueue<string>();

        await using var server = await StartAsync([], new LogRecorder(logs));

        var ports = server.App.Services.GetRequiredService<EmbeddedPorts>();
        var endpoints = server.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EndpointOptions>>().Value;
        Assert.NotEqual(defaults.SiloPort, ports.SiloPort);
        Assert.NotEqual(defaults.GatewayPort, ports.GatewayPort);
        Assert.Equal((ports.SiloPort, ports.GatewayPort), (endpoints.SiloPort, endpoints.GatewayPort));
        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync(IPAddress.Loopback, ports.SiloPort);
        }

        Assert.Contains(logs, l => l.Contains("Orleans:SiloPort", StringComparison.Ordinal) && l.Contains($"{ports.SiloPort}", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("Orleans:GatewayPort", StringComparison.Ordinal) && l.Contains($"{ports.GatewayPort}", StringComparison.Ordinal));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(server.BaseUri, "healthz"))).StatusCode);
    }

    private static Socket? Hold(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static async Task<Server> StartAsync(Dictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var data = new TempDirectory();
        settings["urls"] = "http://127.0.0.1:0";
        settings["Storage:DataDirectory"] = data.Path;
        settings["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N");
        WebApplication? app = null;
        try
        {
            app = GatewayApp.Build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                if (logs is not null)
                {
                    builder.Logging.AddProvider(logs);
                }
            });
            await app.StartAsync();
            return new Server(app, data);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            data.Dispose();
            throw;
        }
    }

    private sealed class Server(WebApplication app, TempDirectory data) : IAsyncDisposable
    {
        public WebApplication App { get; } = app;

        public Uri BaseUri => new(App.Urls.First());

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            data.Dispose();
        }
    }

    private sealed class LogRecorder(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(lines);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}

/// <summary>The port tests hold the default ports for a while: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EmbeddedPortCollection
{
    public const string Name = "Embedded ports";
}
