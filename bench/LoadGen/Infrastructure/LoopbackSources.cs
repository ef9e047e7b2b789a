using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ChatOrleans.LoadGen.Infrastructure;

/// <summary>
/// Opens client sockets from many loopback source addresses (127.0.0.1, 127.0.0.2, …), round robin. One source address
/// has about 28,000 ephemeral ports towards one server port; the whole of 127.0.0.0/8 is local on Linux, so more
/// addresses need no set-up. Every address has its own <see cref="SocketsHttpHandler"/> whose
/// <see cref="SocketsHttpHandler.ConnectCallback"/> binds the socket before connecting.
/// </summary>
public sealed class LoopbackSources : IDisposable
{
    /// <summary>Ports one source address is planned to use, well under the ephemeral range.</summary>
    public const int ConnectionsPerAddress = 20_000;

    // IP_BIND_ADDRESS_NO_PORT (Linux): choose the port at connect, so a port is reserved per 4-tuple, not per bind.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly SocketsHttpHandler[] _handlers;
    private readonly HttpMessageInvoker[] _invokers;
    private int _next = -1;

    public LoopbackSources(int addressCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(addressCount, 1);
        Addresses = [.. Enumerable.Range(1, addressCount).Select(i => new IPAddress(new byte[] { 127, 0, (byte)(i / 250), (byte)(i % 250 + 1) }))];
        _handlers = [.. Addresses.Select(CreateHandler)];
        _invokers = [.. _handlers.Select(h => new HttpMessageInvoker(h, disposeHandler: false))];
    }

    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>Enough source addresses for <paramref name="connections"/> sockets, at least two.</summary>
    public static LoopbackSources For(int connections) =>
        new(Math.Max(2, (connections + ConnectionsPerAddress - 1) / ConnectionsPerAddress));

    /// <summary>Opens a client WebSocket from the next source address (for ChatConnectionOptions.WebSocketFactory).</summary>
    public async Task<WebSocket> ConnectWebSocketAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            // No client keep-alive: an idle device holds no timer, as in the client library's default.
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(uri, NextInvoker(), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The invoker of the next source address, for clients that take one (SignalR's WebSocket factory).</summary>
    public HttpMessageInvoker NextInvoker()
    {
        int index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_invokers.Length);
        return _invokers[index];
    }

    public void Dispose()
    {
        foreach (HttpMessageInvoker invoker in _invokers)
        {
            invoker.Dispose();
        }

        foreach (SocketsHttpHandler handler in _handlers)
        {
            handler.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(IPAddress source) => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
