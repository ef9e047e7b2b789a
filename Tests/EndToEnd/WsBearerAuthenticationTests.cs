using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// <c>/ws</c> authenticates through ASP.NET Core authentication (JwtBearer for tokens, a scheme of
/// its own for tickets): which credential wins when a request carries several, that
/// <c>?access_token=</c> counts on <c>/ws</c> only, the 401 bodies, and that tokens issued
/// before this was so still open sockets.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WsBearerAuthenticationTests : IAsyncLifetime
{
    // Issued by TokenService as it stood before /ws moved to JwtBearer, with the key below, the
    // default issuer, sub "u_before_jwtbearer_ws" and a lifetime of 36,500 days (exp in 2126).
    private const string SigningKey = "Q2hhdE9ybGVhbnMgdG9rZW4gZm9ybWF0IHRlc3Qga2V5IDIwMjY=";
    private const string EarlierUserId = "u_before_jwtbearer_ws";
    private const string EarlierToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJjaGF0b3JsZWFucyIsImlzcyI6ImNoYXRvcmxlYW5zIiwiZXhwIjo0OTQ5OTAyNjY0LCJpYXQiOjE3OTYzMDI2NjQsIm5iZiI6MTc5NjMwMjY2NCwic3ViIjoidV9iZWZvcmVfand0YmVhcmVyX3dzIiwibmFtZSI6ImJlZm9yZSJ9.tgoxCf8WxzddRV0oYKEpR6lY1tsv2m4Yn6DaudLuIkk";

    private TestGateway _gateway = null!;

    private Uri BaseUri => _gateway.BaseUri;

    public async Task InitializeAsync() =>
        _gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["Auth:SigningKey"] = SigningKey });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ATokenIssuedBeforeJwtBearerOpensSocketsInTheHeaderAndTheQueryAndTakesTickets()
    {
        await using (var header = await ConnectAsync(query: "device_id=phone", bearer: EarlierToken))
        {
            Assert.Equal(EarlierUserId, header.UserId);
        }

        await using (var query = await ConnectAsync(query: $"device_id=laptop&access_token={EarlierToken}"))
        {
            Assert.Equal(EarlierUserId, query.UserId);
        }

        var (ticket, _) = await WsTicketTests.TakeTicketAsync(BaseUri, EarlierToken);
        await using var byTicket = await WsTicketTests.ConnectWithTicketAsync(BaseUri, ticket, "tablet");
        Assert.Equal(EarlierUserId, byTicket.UserId);
    }

    [Fact]
    public async Task TheAuthorizationHeaderWinsOverTheQueryToken()
    {
        using var user = await Proto.RegisterAsync(BaseUri);

        await using (var connection = await ConnectAsync(query: "device_id=phone&access_token=garbage", bearer: user.Token))
        {
            Assert.Equal(user.Id, connection.UserId);
        }

        var (status, message) = await RefusalAsync($"device_id=phone&access_token={user.Token}", bearer: "garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("A valid access token is required.", message);
    }

    [Fact]
    public async Task ATicketIsJudgedAloneWhateverTokenComesWithIt()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var (ticket, _) = await WsTicketTests.TakeTicketAsync(BaseUri, user.Token);

        // A good bearer token does not rescue a bad ticket, and the 401 says it is the ticket.
        var (status, message) = await RefusalAsync($"ticket=garbage&device_id=phone&access_token={user.Token}", bearer: user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("The ticket is not valid or has expired.", message);
        (status, message) = await RefusalAsync("ticket=&device_id=phone", bearer: user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("The ticket is not valid or has expired.", message);

        // A good ticket opens the socket beside a bad token.
        await using var connection = await ConnectAsync(
            query: $"ticket={Uri.EscapeDataString(ticket)}&device_id=phone&access_token=garbage", bearer: "garbage");
        Assert.Equal(user.Id, connection.UserId);
    }

    [Fact]
    public async Task TheQueryTokenCountsOnTheWebSocketOnly()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        using var http = new HttpClient { BaseAddress = BaseUri };

        using var response = await http.GetAsync($"api/v1/me?access_token={user.Token}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Proto.AssertErrorBody(await Proto.ReadJsonAsync(response), ErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task ATokenRefusedOnTheWebSocketHasTheHttpApisBody()
    {
        var (status, message) = await RefusalAsync($"device_id=phone&access_token={EarlierToken[..^2]}xx");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("A valid access token is required.", message);
    }

    /// <summary>Opens a session with exactly this query and Authorization header, and waits for <c>welcome</c>.</summary>
    private Task<ChatConnection> ConnectAsync(string query, string? bearer = null) =>
        ChatConnection.ConnectAsync(BaseUri, null, null, new ChatConnectionOptions
        {
            WebSocketFactory = async (_, ct) =>
            {
                var socket = new ClientWebSocket();
                if (bearer is not null)
                {
                    socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
                }

                await socket.ConnectAsync(new UriBuilder(new Uri(BaseUri, "ws")) { Scheme = "ws", Query = query }.Uri, ct);
                return socket;
            },
        });

    /// <summary>The status and error message of a plain GET of <c>/ws</c> that is refused before the upgrade.</summary>
    private async Task<(HttpStatusCode Status, string? Message)> RefusalAsync(string query, string? bearer = null)
    {
        using var http = new HttpClient { BaseAddress = BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "ws?" + query);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request);
        var body = await Proto.ReadJsonAsync(response);
        return (response.StatusCode, body?.GetProperty("error").GetProperty("message").GetString());
    }
}
