using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ChatOrleans.Tests.Infrastructure;

/// <summary>Ports nobody listens on, so that parallel test hosts never collide.</summary>
public static class FreePorts
{
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>
    /// A port free on every address (a silo may listen on the machine's own address, not only on
    /// loopback), never handed out before in this test process: the system may offer a port again
    /// as soon as its probe socket closes, before the host it went to has bound it.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Any, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }
}
