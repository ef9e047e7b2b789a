using System.Net;
using System.Text.Json;
using ChatOrleans.ServiceDefaults.Notifications;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Notifications;

/// <summary><c>GET /api/v1/push/webpush-key</c>: the browser's <c>applicationServerKey</c>, or 404 when Web Push is off.</summary>
[Trait("Category", "Integration")]
public sealed class WebPushKeyEndpointTests
{
    [Fact]
    public async Task WithWebPushConfiguredTheKeyIsTheConfiguredVapidPublicKey()
    {
        var keys = VapidKeys.Generate();
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Notifications:WebPush:Subject"] = "mailto:ops@example.org",
            ["Notifications:WebPush:PublicKey"] = keys.PublicKey,
            ["Notifications:WebPush:PrivateKey"] = keys.PrivateKey,
        });

        using var response = await GetKeyAsync(gateway);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(keys.PublicKey, body.RootElement.GetProperty("public_key").GetString());
    }

    [Fact]
    public async Task WithoutWebPushTheKeyIsNotFound()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var response = await GetKeyAsync(gateway);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static async Task<HttpResponseMessage> GetKeyAsync(TestGateway gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUri };
        using var api = new Client.ChatApiClient(gateway.BaseUri);
        var user = await api.RegisterAsync("push" + Guid.NewGuid().ToString("N")[..10], "password-123");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/push/webpush-key");
        request.Headers.Authorization = new("Bearer", user.AccessToken);
        return await http.SendAsync(request);
    }
}
