using System.Net;
using System.Net.Sockets;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// The key of a client address for per-address budgets: the IPv4 address, or the /64 prefix of an
/// IPv6 one (one host usually holds a whole /64, so per-address IPv6 keys would be free to mint).
/// </summary>
/// <remarks>
/// This is the connection's peer. Behind a reverse proxy every client shares the proxy's address
/// unless the host applies the forwarded headers (ASP.NET Core's ForwardedHeaders middleware) first.
/// </remarks>
public static class ClientAddress
{
    public static string KeyOf(HttpContext context) => KeyOf(context.Connection.RemoteIpAddress);

    public static string KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
