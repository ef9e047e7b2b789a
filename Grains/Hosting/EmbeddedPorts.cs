using System.Net;
using System.Net.Sockets;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace ChatOrleans.Grains.Hosting;

/// <summary>
/// The silo and gateway ports of the embedded profile. Orleans binds its listeners with address
/// reuse, so a second process on the same machine binds the same ports without an error and
/// the two silos then answer each other's connections. Before Orleans binds, each port is tried:
/// a port set in configuration that is taken stops the start with a message naming the setting;
/// a default that is taken is replaced by a free port (see <see cref="Replaced"/>).
/// </summary>
public sealed record EmbeddedPorts(int SiloPort, int GatewayPort, IReadOnlyList<string> Replaced)
{
    public const string SiloPortKey = DeploymentOptions.SectionName + ":" + nameof(DeploymentOptions.SiloPort);

    public const string GatewayPortKey = DeploymentOptions.SectionName + ":" + nameof(DeploymentOptions.GatewayPort);

    public static EmbeddedPorts Resolve(IConfiguration configuration, DeploymentOptions deployment)
    {
        var replaced = new List<string>();
        var silo = Choose(configuration, SiloPortKey, deployment.SiloPort, replaced);
        var gateway = Choose(configuration, GatewayPortKey, deployment.GatewayPort, replaced, avoid: silo);
        return new EmbeddedPorts(silo, gateway, replaced);
    }

    private static int Choose(IConfiguration configuration, string key, int port, List<string> replaced, int avoid = -1)
    {
        if (!string.IsNullOrWhiteSpace(configuration[key]))
        {
            if (port == avoid)
            {
                throw new InvalidOperationException($"{key} is {port}, the same port as {SiloPortKey}: give each its own.");
            }

            return IsFree(port)
                ? port
                : throw new InvalidOperationException(
                    $"{key} is {port}, and that port is already in use on this machine (another ChatOrleans process?). " +
                    $"Set {key} to a free port, or leave it unset to take a free one.");
        }

        if (port != avoid && IsFree(port))
        {
            return port;
        }

        var free = FreePort();
        replaced.Add($"{key}: the default {port} is in use, took {free}");
        return free;
    }

    /// <summary>
    /// Whether a listener could bind the loopback port. The probe asks for no address reuse, so
    /// another process's listener on it (with or without reuse, on loopback or on any address)
    /// makes it fail; connections of an earlier run in TIME_WAIT do not.
    /// </summary>
    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
