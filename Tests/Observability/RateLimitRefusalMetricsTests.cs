using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatOrleans.Tests.EndToEnd;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// Every budget that answers <c>rate_limited</c> over HTTP counts its refusals in
/// <c>chatorleans.rate_limit.refusals</c> under its own <c>budget</c> tag: exactly as many as the
/// client saw 429s. Alone in its collection: the meter is read by name, so another test's
/// refusals would count.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RateLimitRefusalMetricsTests
{
    private const string Refusals = "chatorleans_rate_limit_refusals_total";
    private const string Password = "password1";

    [Fact]
    public async Task EachHttpBudgetCountsExactlyTheRefusalsItAnswered()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:RegistrationsPerAddressPerMinute"] = "3",
            ["Auth:LoginFailuresPerUsernamePerMinute"] = "2",
            ["Auth:WsTicketsPerSecond"] = "1",
            ["Auth:WsTicketBurst"] = "1",
            ["Auth:WsConnectsPerSecond"] = "1",
            ["Auth:WsConnectBurst"] = "1",
            ["Media:MaxPendingUploads"] = "1",
        });
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var before = await PrometheusText.ScrapeAsync(http);

        // Registrations: three a minute from this address, then 429.
        var registered = new List<string>();
        var refusedRegistrations = 0;
        for (var i = 0; i < 5; i++)
        {
            var username = Proto.UniqueName();
            using var response = await http.PostAsJsonAsync("api/v1/auth/register", new { username, password = Password });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refusedRegistrations++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                registered.Add(username);
            }
        }

        Assert.Equal(2, refusedRegistrations);

        // Failed sign-ins: two a minute for one username, then 429 (even for the right password).
        var refusedLogins = 0;
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsJsonAsync("api/v1/auth/login", new { username = registered[0], password = "wrong-password" });
            refusedLogins += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        Assert.Equal(2, refusedLogins);

        using var authorized = new HttpClient { BaseAddress = gateway.BaseUri };
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(http, registered[1]));

        // Tickets, connection attempts and uploads: a burst of one each, refilled at most once a second.
        var refusedTickets = await CountRefusedAsync(5, () => authorized.PostAsync("api/v1/ws-tickets", null));
        var refusedConnects = await CountRefusedAsync(5, () => authorized.GetAsync("ws?device_id=bad!"));
        var refusedUploads = await CountRefusedAsync(3, () => authorized.PostAsJsonAsync(
            "api/v1/media/uploads", new { file_name = "a.txt", content_type = "text/plain", size_bytes = 10 }));
        Assert.True(refusedTickets >= 1 && refusedConnects >= 1 && refusedUploads >= 1, $"{refusedTickets} {refusedConnects} {refusedUploads}");

        // The exporter may answer from a scrape made a moment ago: read until every count is in.
        var expected = new Dictionary<string, int>
        {
            ["register"] = refusedRegistrations,
            ["login"] = refusedLogins,
            ["ws_ticket"] = refusedTickets,
            ["ws_connect"] = refusedConnects,
            ["upload"] = refusedUploads,
        };
        var deadline = DateTime.UtcNow + Proto.Timeout;
        PrometheusText after;
        while (true)
        {
            after = await PrometheusText.ScrapeAsync(http);
            if (expected.All(e => Delta(before, after, e.Key) >= e.Value) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(refusedRegistrations, Delta(before, after, "register"));
        Assert.Equal(refusedLogins, Delta(before, after, "login"));
        Assert.Equal(refusedTickets, Delta(before, after, "ws_ticket"));
        Assert.Equal(refusedConnects, Delta(before, after, "ws_connect"));
        Assert.Equal(refusedUploads, Delta(before, after, "upload"));
    }

    private static async Task<int> CountRefusedAsync(int attempts, Func<Task<HttpResponseMessage>> attempt)
    {
        var refused = 0;
        for (var i = 0; i < attempts; i++)
        {
            using var response = await attempt();
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // The upload budget's wait can be hours (a day's bytes), so only the code is checked here.
                var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
                Assert.Equal("rate_limited", body.GetProperty("error").GetProperty("code").GetString());
                refused++;
            }
        }

        return refused;
    }

    private static async Task<string> TokenAsync(HttpClient http, string username)
    {
        using var response = await http.PostAsJsonAsync("api/v1/auth/login", new { username, password = Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    private static double Delta(PrometheusText before, PrometheusText after, string budget) =>
        (after.Value(Refusals, "budget", budget) ?? 0) - (before.Value(Refusals, "budget", budget) ?? 0);
}
