using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Tests.Observability;

/// <summary><c>/metrics</c> (and the silo's dashboard, guarded by the same middleware) answer the operator only.</summary>
[Trait("Category", "Integration")]
public sealed class OperatorAccessTests
{
    [Fact]
    public async Task WithACredentialMetricsRefusesAnAnonymousRequestAndAWrongOneAndServesTheRightOne()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Operator:Username"] = "ops",
            ["Operator:Password"] = "s3cret-for-scrapers",
        });
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };

        using (var anonymous = await http.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithAsync(http, "ops:wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithAsync(http, "ops"));
        Assert.Equal(HttpStatusCode.OK, await GetWithAsync(http, "ops:s3cret-for-scrapers"));

        // The probes stay open: Kubernetes asks them without credentials.
        using var health = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task WithoutACredentialTheEmbeddedDefaultOnLoopbackServesMetrics()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        using var metrics = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Theory]
    [InlineData("10.1.2.3", null, false)]
    [InlineData("203.0.113.9", null, false)]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("203.0.113.9", "ops:pw", true)]
    [InlineData("127.0.0.1", "ops:nope", false)]
    public async Task WithoutACredentialOnlyThisMachineIsAnswered(string remote, string? credential, bool allowed)
    {
        var configured = credential is null ? new OperatorAccessOptions() : new OperatorAccessOptions { Username = "ops", Password = "pw" };
        var reached = false;
        var middleware = new OperatorAccessMiddleware(_ => { reached = true; return Task.CompletedTask; }, Options.Create(configured));
        var context = new DefaultHttpContext();
        context.Request.Path = "/metrics";
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Response.Body = new MemoryStream();
        if (credential is not null)
        {
            context.Request.Headers.Authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credential));
        }

        await middleware.InvokeAsync(context);

        Assert.Equal(allowed, reached);
        if (!allowed)
        {
            Assert.True(context.Response.StatusCode is 401 or 403, $"status {context.Response.StatusCode}");
        }
    }

    private static async Task<HttpStatusCode> GetWithAsync(HttpClient http, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential)));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
