using System.Net;
using System.Net.Sockets;

namespace ChatOrleans.ServiceDefaults.Notifications;

/// <summary>
/// Which addresses a Web Push endpoint may lead to. The endpoint comes from the client, so
/// without this the server could be made to POST to itself, to its neighbours or to a cloud's
/// metadata service (server-side request forgery). Push services are public: loopback,
/// private, shared (CGNAT), link-local, unique-local, unspecified, multicast, broadcast and
/// reserved addresses are refused, in every IPv6 form that embeds an IPv4 address too.
/// </summary>
public static class PushEndpointGuard
{
    /// <summary>Host names that are the machine itself whatever DNS says.</summary>
    private static readonly string[] LocalNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"];

    private static readonly (IPAddress Network, int PrefixLength)[] ForbiddenV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8),        // "this network", the unspecified address
        (IPAddress.Parse("10.0.0.0"), 8),       // RFC 1918
        (IPAddress.Parse("100.64.0.0"), 10),    // shared address space (CGNAT), RFC 6598
        (IPAddress.Parse("127.0.0.0"), 8),      // loopback
        (IPAddress.Parse("169.254.0.0"), 16),   // link-local, the cloud metadata service among them
        (IPAddress.Parse("172.16.0.0"), 12),    // RFC 1918
        (IPAddress.Parse("192.0.0.0"), 24),     // IETF protocol assignments
        (IPAddress.Parse("192.0.2.0"), 24),     // documentation
        (IPAddress.Parse("192.168.0.0"), 16),   // RFC 1918
        (IPAddress.Parse("198.18.0.0"), 15),    // benchmarking
        (IPAddress.Parse("198.51.100.0"), 24),  // documentation
        (IPAddress.Parse("203.0.113.0"), 24),   // documentation
        (IPAddress.Parse("224.0.0.0"), 4),      // multicast
        (IPAddress.Parse("240.0.0.0"), 4),      // reserved, and 255.255.255.255 (broadcast)
    ];

    private static readonly (IPAddress Network, int PrefixLength)[] ForbiddenV6 =
    [
        (IPAddress.Parse("::"), 96),            // unspecified, loopback and the old IPv4-compatible form
        (IPAddress.Parse("64:ff9b:1::"), 48),   // local-use NAT64
        (IPAddress.Parse("100::"), 64),         // discard-only
        (IPAddress.Parse("2001:db8::"), 32),    // documentation
        (IPAddress.Parse("fc00::"), 7),         // unique-local, fd00:ec2::254 (a cloud's metadata service) among them
        (IPAddress.Parse("fe80::"), 10),        // link-local
        (IPAddress.Parse("fec0::"), 10),        // site-local (deprecated)
        (IPAddress.Parse("ff00::"), 8),         // multicast
    ];

    /// <summary>Whether a push may connect to this address.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                return IsForbidden(address.MapToIPv4());
            }

            var bytes = address.GetAddressBytes();

            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that the packet ends up at.
            if (InPrefix(bytes, IPAddress.Parse("64:ff9b::").GetAddressBytes(), 96))
            {
                return IsForbidden(new IPAddress(bytes[12..16]));
            }

            if (bytes[0] == 0x20 && bytes[1] == 0x02)
            {
                return IsForbidden(new IPAddress(bytes[2..6]));
            }

            return ForbiddenV6.Any(n => InPrefix(bytes, n.Network.GetAddressBytes(), n.PrefixLength));
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return true;
        }

        var v4 = address.GetAddressBytes();
        return ForbiddenV4.Any(n => InPrefix(v4, n.Network.GetAddressBytes(), n.PrefixLength));
    }

    /// <summary>
    /// Why the endpoint's host is refused without asking DNS: an address literal that is
    /// forbidden, or a name of the machine itself. Null when only DNS can tell.
    /// </summary>
    public static string? ProblemWithHost(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var host = endpoint.IdnHost.TrimEnd('.');
        if (endpoint.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal) && !IsForbidden(literal)
                ? null
                : "A push endpoint may not be a loopback, private, link-local or otherwise non-public address.";
        }

        if (endpoint.HostNameType != UriHostNameType.Dns || host.Length == 0)
        {
            return "A push endpoint needs a host name.";
        }

        return LocalNames.Contains(host, StringComparer.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)
            || !host.Contains('.', StringComparison.Ordinal)
            ? "A push endpoint must be a public host; this name is local to the server's network."
            : null;
    }

    /// <summary>
    /// The endpoint's host checked, then resolved: refused when it is a local name or any of its
    /// addresses is forbidden. A name that does not resolve passes here; the connection checks
    /// again (<see cref="ConnectAsync"/>), so a later DNS answer cannot get around it.
    /// </summary>
    public static async Task<string?> ProblemAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        if (ProblemWithHost(endpoint) is { } problem)
        {
            return problem;
        }

        if (endpoint.HostNameType != UriHostNameType.Dns)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(endpoint.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return null;
        }

        return addresses.Any(IsForbidden)
            ? "A push endpoint must be a public host; this name resolves to a loopback, private or link-local address."
            : null;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host itself and
    /// connects only to allowed addresses: what the registration checked cannot be undone by a
    /// DNS answer that changed since (rebinding). Throws <see cref="ForbiddenPushEndpointException"/>
    /// when every address is forbidden.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(a => !IsForbidden(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new ForbiddenPushEndpointException(host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool InPrefix(byte[] address, byte[] network, int prefixLength)
    {
        if (address.Length != network.Length)
        {
            return false;
        }

        var whole = prefixLength / 8;
        for (var i = 0; i < whole; i++)
        {
            if (address[i] != network[i])
            {
                return false;
            }
        }

        var rest = prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (address[whole] & mask) == (network[whole] & mask);
    }
}

/// <summary>A push endpoint's host resolves only to addresses a push may not connect to.</summary>
public sealed class ForbiddenPushEndpointException(string host)
    : IOException($"The push endpoint {host} resolves only to loopback, private, link-local or otherwise non-public addresses.")
{
    public string Host { get; } = host;
}
