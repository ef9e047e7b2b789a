using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// The budgets of <c>/auth/login</c> (failures per username and per client address) and
/// <c>/auth/register</c> (attempts per address), at their default sizes, each on a fresh gateway.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LoginLimitTests
{
    private const string Password = "password1";

    [Fact]
    public async Task TenFailuresForOneUsernameRefuseTheNextLoginEvenWithTheRightPassword()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var alice = await RegisterAsync(http);
        var bob = await RegisterAsync(http);

        for (var i = 0; i < 10; i++)
        {
            using var wrong = await LoginAsync(http, alice, "wrong-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var refused = await LoginAsync(http, alice, Password);
        await AssertRateLimitedAsync(refused);

        // Only that username: another one from the same address still signs in.
        using var other = await LoginAsync(http, bob, Password);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task SuccessfulLoginsDoNotCountAgainstTheBudget()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var alice = await RegisterAsync(http);

        for (var i = 0; i < 15; i++)
        {
            using var ok = await LoginAsync(http, alice, Password);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task ParallelGuessesGetNoMoreThroughThanTheBudget()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var alice = await RegisterAsync(http);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            using var response = await LoginAsync(http, alice, "wrong-password");
            return response.StatusCode;
        }));

        Assert.Equal(10, answers.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(20, answers.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task AHundredFailuresFromOneAddressRefuseEveryUsername()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var alice = await RegisterAsync(http);

        // 20 names × 5 failures: under every username's budget, at the address's.
        for (var name = 0; name < 20; name++)
        {
            var username = Proto.UniqueName();
            for (var i = 0; i < 5; i++)
            {
                using var wrong = await LoginAsync(http, username, "wrong-password");
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }
        }

        using var refused = await LoginAsync(http, alice, Password);
        await AssertRateLimitedAsync(refused);
    }

    [Fact]
    public async Task RegistrationsPastThreeHundredAMinuteFromOneAddressAreRefused()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };

        // Every attempt counts, refused ones too: most of these are cheap bad requests.
        for (var i = 0; i < 295; i++)
        {
            using var bad = await http.PostAsJsonAsync("api/v1/auth/register", new { username = "x", password = Password });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            await RegisterAsync(http);
        }

        using var refused = await http.PostAsJsonAsync("api/v1/auth/register", new { username = Proto.UniqueName(), password = Password });
        await AssertRateLimitedAsync(refused);
    }

    [Fact]
    public async Task LoginWithAnEmptyOrMissingUsernameOrPasswordIs401()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        var alice = await RegisterAsync(http);

        foreach (var body in new object[] { new { username = "", password = Password }, new { password = Password }, new { username = alice }, new { } })
        {
            using var response = await http.PostAsJsonAsync("api/v1/auth/login", body);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static async Task<string> RegisterAsync(HttpClient http)
    {
        var username = Proto.UniqueName();
        using var response = await http.PostAsJsonAsync("api/v1/auth/register", new { username, password = Password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return username;
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient http, string username, string password) =>
        http.PostAsJsonAsync("api/v1/auth/login", new { username, password });

    /// <summary>429 <c>rate_limited</c> with <c>retry_after_ms</c> in the error object and a matching Retry-After header.</summary>
    internal static async Task AssertRateLimitedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"Expected 429, got {(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        var retryAfterMs = error.GetProperty("retry_after_ms").GetInt64();
        Assert.InRange(retryAfterMs, 1, 60_000);
        var header = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(header);
        Assert.Equal((long)Math.Ceiling(retryAfterMs / 1000.0), (long)header.Value.TotalSeconds);
    }
}
