using System.Net;
using ChatOrleans.Gateway.Hosting;
using ChatOrleans.Tests.Media;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>Every response carries nosniff, a referrer policy and a CSP; media files are sandboxed; the web client keeps its own policy.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityHeadersTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";
    private const string FilesPolicy = "sandbox; default-src 'none'";

    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task HealthzCarriesTheHeaders()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(BaseUri, "healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertHeaders(response, ApiPolicy);
    }

    [Fact]
    public async Task AnApiRefusalWithoutATokenCarriesTheHeaders()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(BaseUri, "api/v1/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertHeaders(response, ApiPolicy);
    }

    [Fact]
    public async Task ApiAnswersCarryTheHeaders()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using (var me = await alice.Api.SendRawAsync(HttpMethod.Get, "api/v1/me"))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            AssertHeaders(me, ApiPolicy);
        }

        using var error = await alice.Api.SendRawAsync(HttpMethod.Post, "api/v1/chats", "{\"kind\":\"nope\"}");
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        AssertHeaders(error, ApiPolicy);
    }

    [Fact]
    public async Task MediaFilesAreSandboxedWhetherServedOrRefused()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        var media = await alice.Api.UploadMediaAsync("tiny.png", "image/png", TestFiles.Png(4, 4));
        Assert.NotNull(media.Url);

        using var http = new HttpClient();
        using (var served = await http.GetAsync(media.Url))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            AssertHeaders(served, FilesPolicy);
        }

        using var refused = await http.GetAsync(new Uri(BaseUri, $"files/{MediaIds.NewMediaId()}/original"));
        Assert.False(refused.IsSuccessStatusCode);
        AssertHeaders(refused, FilesPolicy);
    }

    [Fact]
    public async Task TheWebClientKeepsItsOwnStrictPolicy()
    {
        using var http = new HttpClient();
        foreach (var path in new[] { "", "index.html" })
        {
            using var response = await http.GetAsync(new Uri(BaseUri, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertHeaders(response, WebClientExtensions.ContentSecurityPolicy);
        }
    }

    private static void AssertHeaders(HttpResponseMessage response, string policy)
    {
        Assert.Equal(["nosniff"], Values(response, "X-Content-Type-Options"));
        Assert.Equal(["no-referrer"], Values(response, "Referrer-Policy"));
        Assert.Equal([policy], Values(response, "Content-Security-Policy"));
    }

    private static string[] Values(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? [.. values]
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? [.. contentValues]
        : [];
}
