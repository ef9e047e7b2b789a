using System.Net;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>An unknown path under <c>/api/v1</c> is 401 without a valid token, like every other, and 404 with one.</summary>
[Trait("Category", "Integration")]
public sealed class UnknownApiPathTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Theory]
    [InlineData("GET", "api/v1/nope")]
    [InlineData("POST", "api/v1/nope")]
    [InlineData("GET", "api/v1/chats/c_1/nope/deeper")]
    [InlineData("GET", "api/v1/auth/nope")]
    [InlineData("DELETE", "api/v1/admin")]
    public async Task WithoutATokenItIs401AndWithOneItIs404(string method, string path)
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var body = method == "POST" ? "{}" : null;

        Proto.AssertHttpError(await Proto.RawAsync(user.Api, new HttpMethod(method), path, body, authenticate: false), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);

        using var forged = new ChatOrleans.Client.ChatApiClient(BaseUri) { AccessToken = "not-a-token" };
        Proto.AssertHttpError(await Proto.RawAsync(forged, new HttpMethod(method), path, body), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);

        Proto.AssertHttpError(await Proto.RawAsync(user.Api, new HttpMethod(method), path, body), HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }
}
