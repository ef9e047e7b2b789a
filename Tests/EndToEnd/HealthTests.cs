using System.Net;
using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>The root endpoints and the API's answer to paths it does not know.</summary>
[Trait("Category", "Integration")]
public sealed class HealthTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task HealthzIs200WithoutAToken()
    {
        using var api = new ChatApiClient(BaseUri);
        Assert.Equal(HttpStatusCode.OK, await api.GetHealthAsync());

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(BaseUri, "healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "api/v1/nope")]
    [InlineData("GET", "api/v1/chats/c_1/nope/deeper")]
    [InlineData("POST", "api/v1/nope")]
    [InlineData("GET", "api/v1/nope.json")]
    public async Task AnUnknownApiPathIs404WithAJsonError(string method, string path)
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var answer = await Proto.RawAsync(user.Api, new HttpMethod(method), path, method == "POST" ? "{}" : null);
        Proto.AssertHttpError(answer, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }
}
