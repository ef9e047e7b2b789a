using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatOrleans.ServiceDefaults.Notifications;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ChatOrleans.Tests.Notifications.NotificationTestHelpers;

namespace ChatOrleans.Tests.Notifications;

/// <summary>
/// A Web Push endpoint is chosen by the client: one inside the server's network (loopback IPv4
/// and IPv6, an IPv4-mapped address, a name that resolves to this machine) is refused at
/// registration, and a stored one is never connected to at send time. A listener on every local
/// address of the endpoints' port counts what a forged push would reach: nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WebPushSsrfTests : IAsyncLifetime, IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ECDiffieHellman _browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private ConnectionCounter _target = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _target = new ConnectionCounter();
        var vapid = VapidKeys.Generate();
        _gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?>
            {
                ["Notifications:CoalesceDelay"] = "00:00:00.200",
                ["Notifications:WebPush:Subject"] = "mailto:ops@example.com",
                ["Notifications:WebPush:PublicKey"] = vapid.PublicKey,
                ["Notifications:WebPush:PrivateKey"] = vapid.PrivateKey,
            },
            services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_logs));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _target.DisposeAsync();
    }

    public void Dispose() => _browser.Dispose();

    /// <summary>Endpoints on this machine, at the listener's port: loopback IPv4, IPv6, IPv4-mapped IPv6, names of the machine.</summary>
    private IEnumerable<string> LocalEndpoints()
    {
        var port = _target.Port;
        yield return $"https://127.0.0.1:{port}/push/a";
        yield return $"https://[::1]:{port}/push/b";
        yield return $"https://[::ffff:127.0.0.1]:{port}/push/c";
        yield return $"https://localhost:{port}/push/d";
        foreach (var name in MachineNames())
        {
            yield return $"https://{name}:{port}/push/e";
        }
    }

    /// <summary>The machine's own host name (and its full name), when they resolve.</summary>
    private static List<string> MachineNames()
    {
        var names = new List<string>();
        var name = Dns.GetHostName();
        try
        {
            var entry = Dns.GetHostEntry(name);
            names.Add(name);
            if (!string.Equals(entry.HostName, name, StringComparison.OrdinalIgnoreCase))
            {
                names.Add(entry.HostName);
            }
        }
        catch (SocketException)
        {
        }

        return names;
    }

    private string Subscription(string endpoint) => JsonSerializer.Serialize(new
    {
        endpoint,
        expirationTime = (long?)null,
        keys = new
        {
            p256dh = Base64Url.EncodeToString(VapidKeys.UncompressedPoint(_browser.ExportParameters(false).Q)),
            auth = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
        },
    });

    [Fact]
    public async Task RegisteringAnEndpointInsideTheServersNetworkIsABadRequest()
    {
        var bob = await E2E.RegisterAsync(_gateway.BaseUri);
        using var http = Http(bob);
        string[] elsewhere =
        [
            "https://10.1.2.3/push", "https://192.168.1.1/push", "https://172.16.0.1/push", "https://100.64.0.1/push",
            "https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/push", "https://[fe80::1]/push",
            "https://[fc00::1]/push", "https://0.0.0.0/push", "https://[::]/push", "https://224.0.0.1/push",
            "https://255.255.255.255/push", "https://[::ffff:10.0.0.1]/push", "https://[::127.0.0.1]/push",
            "https://[::ffff:169.254.169.254]/push", "https://printer.local/push", "https://intranet/push",
            "https://2130706433/push", "https://0x7f000001/push", "https://127.1/push", "https://017700000001/push",
            "https://metadata.google.internal/computeMetadata/v1/", "https://api.localhost/push",
        ];

        foreach (var endpoint in LocalEndpoints().Concat(elsewhere))
        {
            using var response = await http.PutAsync(
                "api/v1/me/devices/browser/push-token",
                JsonBody(new { platform = "webpush", token = JsonDocument.Parse(Subscription(endpoint)).RootElement }));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint}: {(int)response.StatusCode} {body}");
            Assert.Contains("bad_request", body, StringComparison.Ordinal);
        }

        Assert.Equal(0, _target.Accepted);

        // A push service on the public internet is still welcome.
        using var accepted = await http.PutAsync(
            "api/v1/me/devices/browser/push-token",
            JsonBody(new { platform = "webpush", token = JsonDocument.Parse(Subscription("https://fcm.googleapis.com/wp/abc")).RootElement }));
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
    }

    [Fact]
    public async Task AStoredEndpointInsideTheServersNetworkIsNeverConnectedTo()
    {
        var (alice, bob, chatId) = await DirectPairAsync(_gateway.BaseUri);
        var endpoints = LocalEndpoints().ToList();
        var inbox = _gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<INotificationInboxGrain>(bob.UserId);
        for (var i = 0; i < endpoints.Count; i++)
        {
            // Stored as if it predated the registration check: only the sender stands in the way now.
            await inbox.SetPushToken($"browser-{i}", new PushTokenRegistration(PushTokenRegistration.WebPush, Subscription(endpoints[i])));
        }

        await using var aliceLaptop = await E2E.ConnectAsync(_gateway.BaseUri, alice, "laptop");
        await aliceLaptop.SendMessageAsync(chatId, "c1", "hello");

        // Each refused push is logged, and the push service's answer (invalid) makes the pipeline forget the token.
        var refused = await _logs.WaitForAsync(e => e.EventId.Id == 2125, endpoints.Count, NotificationTestHelpers.Timeout);
        Assert.Equal(endpoints.Count, refused.Select(e => e.Message).Distinct().Count());
        await _logs.WaitForAsync(e => e.EventId.Id == 7001 && e.Message.Contains(bob.UserId, StringComparison.Ordinal), endpoints.Count, NotificationTestHelpers.Timeout);

        Assert.Equal(0, _target.Accepted);
        using var health = await new HttpClient { BaseAddress = _gateway.BaseUri, Timeout = NotificationTestHelpers.Timeout }.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>
    /// The connection itself resolves the name and refuses a forbidden address, so a name that
    /// passed registration and later resolves to this machine (DNS rebinding) reaches nothing.
    /// </summary>
    [Fact]
    public async Task TheConnectionRefusesANameThatResolvesToThisMachine()
    {
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = PushEndpointGuard.ConnectAsync, AllowAutoRedirect = false })
        {
            Timeout = NotificationTestHelpers.Timeout,
        };
        var hosts = new List<string> { "localhost", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]" };
        hosts.AddRange(MachineNames());
        foreach (var host in hosts)
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync($"http://{host}:{_target.Port}/push", new ByteArrayContent([1])));
            Assert.IsType<ForbiddenPushEndpointException>(error.InnerException);
        }

        Assert.Equal(0, _target.Accepted);
    }

    private HttpClient Http(TestUser user)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUri, Timeout = NotificationTestHelpers.Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        return http;
    }

    private static StringContent JsonBody(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
