using ChatOrleans.LoadGen.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatOrleans.LoadGen.Transports;

/// <summary>
/// Baseline: a bare SignalR hub (bench/Baselines/SignalRHubServer) over WebSockets, from the same loopback sources.
/// A chat is a SignalR group <c>g{index}</c>; a send is <c>InvokeAsync("Send", group, text)</c>, which completes when
/// the hub method has handed the message to every member's connection (its "ack").
/// </summary>
public sealed class SignalRTransport(Uri baseUri, LoopbackSources sources) : IBenchTransport
{
    private HubConnection?[] _connections = [];
    private Topology? _topology;

    public string Name => "signalr";

    public bool HasAcks => true;

    public TextReceived? OnText { get; set; }

    public Task<IReadOnlyDictionary<string, double>> PrepareAsync(Topology topology, CancellationToken cancellationToken)
    {
        _topology = topology;
        _connections = new HubConnection?[topology.Devices];
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>());
    }

    public async Task<int> ConnectAllAsync(int concurrency, CancellationToken cancellationToken)
    {
        Topology topology = _topology ?? throw new InvalidOperationException("Nothing prepared yet.");
        int connected = 0;
        await Retry.ForEachAsync(
            Enumerable.Range(0, topology.Devices), concurrency,
            async (d, ct) =>
            {
                string[] groups = [.. topology.ChatsOfUser[topology.UserOfDevice(d)].Select(GroupName)];
                _connections[d] = await Retry.RunAsync(c => ConnectAsync(d, groups, c), ct).ConfigureAwait(false);
                Interlocked.Increment(ref connected);
            },
            cancellationToken).ConfigureAwait(false);
        return connected;
    }

    public Task SendAsync(int device, int chat, string clientMsgId, string text, CancellationToken cancellationToken)
    {
        HubConnection connection = _connections[device] ?? throw new InvalidOperationException($"Device {device} is not connected.");
        return connection.InvokeAsync("Send", GroupName(chat), text, cancellationToken);
    }

    public async Task DisconnectAllAsync()
    {
        HubConnection?[] connections = _connections;
        _connections = new HubConnection?[connections.Length];
        await Task.WhenAll(connections.OfType<HubConnection>().Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await DisconnectAllAsync().ConfigureAwait(false);

    private static string GroupName(int chat) => "g" + chat.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<HubConnection> ConnectAsync(int device, string[] groups, CancellationToken cancellationToken)
    {
        HubConnection connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseUri, "hub"), HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = true;
                options.WebSocketFactory = async (context, ct) => await sources.ConnectWebSocketAsync(context.Uri, ct).ConfigureAwait(false);
            })
            .Build();
        connection.ServerTimeout = TimeSpan.FromMinutes(5);
        connection.On<string>("m", text => OnText?.Invoke(device, text, BenchClock.Now));
        try
        {
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
            if (groups.Length > 0)
            {
                await connection.InvokeAsync("Join", groups, cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
