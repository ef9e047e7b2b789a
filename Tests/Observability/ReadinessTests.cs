using System.Net;
using System.Text.Json;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;
using ChatOrleans.Tests.Storage;

namespace ChatOrleans.Tests.Observability;

/// <summary><c>/healthz</c> is liveness; <c>/healthz/ready</c> checks the store and the cluster.</summary>
[Trait("Category", "Integration")]
public sealed class ReadinessTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    [Fact]
    public async Task TheEmbeddedDefaultIsLiveAndReady()
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseUri };
        using var live = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using var ready = await http.GetAsync("healthz/ready");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("ready", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadinessIs503NamingPostgresWhenItsDatabaseGoesAwayWhileLivenessStays200()
    {
        var database = await PostgresTestDatabase.CreateAsync();
        await using var dropped = database;
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Orleans:Postgres"] = database.ConnectionString,
        });
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        using (var ready = await http.GetAsync("healthz/ready"))
        {
            Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        }

        // The database is dropped under the running process (its connections ended by FORCE).
        await database.DisposeAsync();

        using var live = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var unready = await http.GetAsync("healthz/ready");
        var body = await unready.Content.ReadAsStringAsync();
        Assert.True(unready.StatusCode == HttpStatusCode.ServiceUnavailable, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("unready", root.GetProperty("status").GetString());
        Assert.Equal(["postgres"], root.GetProperty("failing").EnumerateArray().Select(e => e.GetString() ?? "").ToArray());
    }
}
