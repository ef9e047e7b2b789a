using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// <c>POST /api/v1/ws-tickets</c> and <c>/ws?ticket=…</c>: single use, expiry, any gateway of the
/// cluster; the per-user budgets of tickets and connection attempts; and no token in any log.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WsTicketTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    [Fact]
    public async Task ATicketOpensOneConnectionOfItsUserOnlyOnce()
    {
        using var user = await Proto.RegisterAsync(fixture.BaseUri);
        var before = DateTimeOffset.UtcNow;
        var (ticket, expiresAt) = await TakeTicketAsync(fixture.BaseUri, user.Token);
        Assert.InRange(expiresAt, before.AddSeconds(25), before.AddSeconds(35));

        await using (var connection = await ConnectWithTicketAsync(fixture.BaseUri, ticket, "phone"))
        {
            Assert.Equal(user.Id, connection.UserId);
            Assert.Equal("phone", connection.DeviceId);
            await connection.PingAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(fixture.BaseUri, ticket, "phone")));
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(fixture.BaseUri, ticket, "laptop")));
    }

    [Fact]
    public async Task AlteredForgedAndMissingTicketsAreRefused()
    {
        using var user = await Proto.RegisterAsync(fixture.BaseUri);
        var (ticket, _) = await TakeTicketAsync(fixture.BaseUri, user.Token);
        var altered = ticket[..^2] + (ticket[^2] == 'A' ? "B" : "A") + ticket[^1];
        var forged = ticket[..ticket.IndexOf('.', StringComparison.Ordinal)] + "." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        foreach (var bad in new[] { altered, forged, "", "garbage", user.Token })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(fixture.BaseUri, bad, "phone")));
        }

        // The untouched ticket still works: the refusals did not use it up.
        await using var connection = await ConnectWithTicketAsync(fixture.BaseUri, ticket, "phone");
        Assert.Equal(user.Id, connection.UserId);
    }

    [Fact]
    public async Task TicketsNeedAToken()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        using var response = await http.PostAsync("api/v1/ws-tickets", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AnExpiredTicketIsRefused()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["Auth:WsTicketLifetime"] = "00:00:01" });
        using var user = await Proto.RegisterAsync(gateway.BaseUri);
        var (ticket, expiresAt) = await TakeTicketAsync(gateway.BaseUri, user.Token);

        // Waits for the instant the server named, not for a guess.
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(gateway.BaseUri, ticket, "phone")));
    }

    [Fact]
    public async Task ATicketFromOneGatewayIsGoodAtAnotherThatSharesTheSigningKey()
    {
        var key = new Dictionary<string, string?> { ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        await using var east = await TestGateway.StartAsync(key);
        await using var west = await TestGateway.StartAsync(key);
        await using var stranger = await TestGateway.StartAsync();
        using var user = await Proto.RegisterAsync(east.BaseUri);

        var (ticket, _) = await TakeTicketAsync(east.BaseUri, user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(stranger.BaseUri, ticket, "phone")));
        await using var connection = await ConnectWithTicketAsync(west.BaseUri, ticket, "phone");
        Assert.Equal(user.Id, connection.UserId);
    }

    [Fact]
    public async Task TicketsPastTheBurstAreRefused()
    {
        using var user = await Proto.RegisterAsync(fixture.BaseUri);
        using var http = Authorized(fixture.BaseUri, user.Token);

        // The bucket refills at 10 a second while the requests run, so what gets through is the
        // burst of 30 plus what refilled meanwhile: ask until the first refusal and bound both.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var granted = 0;
        HttpResponseMessage refused;
        while (true)
        {
            var response = await http.PostAsync("api/v1/ws-tickets", null);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                refused = response;
                break;
            }

            response.Dispose();
            granted++;
            Assert.True(granted <= 1_000, "No ticket request was ever refused.");
        }

        using (refused)
        {
            await LoginLimitTests.AssertRateLimitedAsync(refused);
        }

        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds * 10);
        Assert.InRange(granted, 30, 30 + refilled + 1);
    }

    [Fact]
    public async Task ConnectionAttemptsPastTheBurstAreRefusedBeforeTheUpgrade()
    {
        using var user = await Proto.RegisterAsync(fixture.BaseUri);
        using var other = await Proto.RegisterAsync(fixture.BaseUri);
        using var http = Authorized(fixture.BaseUri, user.Token);

        // Cheap attempts (a bad device id answers 400) count like any other. The bucket refills at
        // 10 a second meanwhile: what gets through is the burst of 30 plus what refilled.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answered = await AttemptsUntilRefusedAsync(http);
        Assert.InRange(answered, 30, 30 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds * 10) + 1);

        // A real upgrade is refused the same way (right after emptying the bucket again, so a
        // token refilled in between cannot let it through).
        ChatConnectException? upgrade = null;
        for (var round = 0; round < 5 && upgrade is null; round++)
        {
            await AttemptsUntilRefusedAsync(http);
            try
            {
                await using var through = await ChatConnection.ConnectAsync(fixture.BaseUri, user.Token, "phone");
            }
            catch (ChatConnectException ex)
            {
                upgrade = ex;
            }
        }

        Assert.NotNull(upgrade);
        Assert.Equal(HttpStatusCode.TooManyRequests, upgrade.StatusCode);

        // Per user: another one connects.
        await using var connection = await other.ConnectAsync("phone");
        Assert.Equal(other.Id, connection.UserId);
    }

    /// <summary>Cheap connection attempts until the first 429 (checked as rate_limited); the number answered before it.</summary>
    private static async Task<int> AttemptsUntilRefusedAsync(HttpClient http)
    {
        for (var answered = 0; answered <= 1_000; answered++)
        {
            using var response = await http.GetAsync("ws?device_id=bad!");
            if (response.StatusCode != HttpStatusCode.BadRequest)
            {
                await LoginLimitTests.AssertRateLimitedAsync(response);
                return answered;
            }
        }

        throw new Xunit.Sdk.XunitException("No connection attempt was ever refused.");
    }

    [Fact]
    public async Task TheClientLibrarySendsTheTokenInTheHeaderNotTheUrl()
    {
        var seen = new List<(string Query, bool Authorization)>();
        await using var gateway = await TestGateway.StartAsync(configureServices: services =>
            services.AddSingleton<IStartupFilter>(new RecordWebSocketRequests(seen)));
        using var user = await Proto.RegisterAsync(gateway.BaseUri);

        await using var connection = await user.ConnectAsync("phone");

        var (query, authorization) = Assert.Single(seen);
        Assert.True(authorization);
        Assert.DoesNotContain("access_token", query, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Token, query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoTokenOrTicketReachesTheLogsEvenWithRequestLoggingAtTrace()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = await TestGateway.StartAsync(
            new Dictionary<string, string?>
            {
                // An operator turning request logging on, as far as configuration can.
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore.Hosting"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore.Authentication"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore.WebSockets"] = "Trace",
            },
            services => services.AddSingleton<ILoggerProvider>(logs));
        using var user = await Proto.RegisterAsync(gateway.BaseUri);

        // Old clients: the token in the query still works.
        await using (var legacy = await user.ConnectAsync("legacy", new ChatConnectionOptions { SendTokenInHeader = false }))
        {
            Assert.Equal(user.Id, legacy.UserId);
        }

        var (ticket, _) = await TakeTicketAsync(gateway.BaseUri, user.Token);
        await using (var connection = await ConnectWithTicketAsync(gateway.BaseUri, ticket, "phone"))
        {
            await connection.PingAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await RefusalAsync(TicketUri(gateway.BaseUri, ticket, "phone")));
        var badToken = user.Token[..^4] + "AAAA";
        var refused = await Assert.ThrowsAsync<ChatConnectException>(() =>
            ChatConnection.ConnectAsync(gateway.BaseUri, badToken, "phone", new ChatConnectionOptions { SendTokenInHeader = false }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var lines = logs.Entries;
        Assert.Contains(lines, l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && l.Level <= LogLevel.Debug);
        foreach (var secret in new[] { user.Token, badToken, ticket, user.Token[^20..], ticket[^20..] })
        {
            var leak = lines.FirstOrDefault(l => l.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"A log line holds a secret: [{leak?.Category}] {leak?.Text}");
        }
    }

    internal static async Task<(string Ticket, DateTimeOffset ExpiresAt)> TakeTicketAsync(Uri baseUri, string token)
    {
        using var http = Authorized(baseUri, token);
        using var response = await http.PostAsync("api/v1/ws-tickets", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /ws-tickets: {(int)response.StatusCode} {text}");
        using var body = JsonDocument.Parse(text);
        var expiresAt = body.RootElement.GetProperty("expires_at").GetString()!;
        Assert.EndsWith("Z", expiresAt, StringComparison.Ordinal);
        return (body.RootElement.GetProperty("ticket").GetString()!, DateTimeOffset.Parse(expiresAt, CultureInfo.InvariantCulture));
    }

    private static HttpClient Authorized(Uri baseUri, string token)
    {
        var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    internal static Uri TicketUri(Uri baseUri, string ticket, string deviceId) =>
        new UriBuilder(new Uri(baseUri, "ws")) { Scheme = "ws", Query = $"ticket={Uri.EscapeDataString(ticket)}&device_id={deviceId}" }.Uri;

    /// <summary>Opens a session through the client library on a ticket URL (no token anywhere).</summary>
    internal static Task<ChatConnection> ConnectWithTicketAsync(Uri baseUri, string ticket, string deviceId) =>
        ChatConnection.ConnectAsync(baseUri, null, deviceId, new ChatConnectionOptions
        {
            WebSocketFactory = async (_, ct) =>
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(TicketUri(baseUri, ticket, deviceId), ct);
                return socket;
            },
        });

    /// <summary>The HTTP status an upgrade is refused with (101 if it was not).</summary>
    internal static async Task<HttpStatusCode> RefusalAsync(Uri uri)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None);
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    private sealed class RecordWebSocketRequests(List<(string Query, bool Authorization)> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path == "/ws")
                {
                    lock (seen)
                    {
                        seen.Add((context.Request.QueryString.Value ?? "", context.Request.Headers.Authorization.Count > 0));
                    }
                }

                await nextMiddleware();
            });
            next(app);
        };
    }
}
