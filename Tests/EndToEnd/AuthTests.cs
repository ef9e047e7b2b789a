using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatOrleans.Client;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>Registration, login, tokens on HTTP and on the WebSocket upgrade, and token expiry on an open socket.</summary>
[Trait("Category", "Integration")]
public sealed class AuthTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task RegisterAnswers201WithUserIdTokenAndExpiry()
    {
        using var api = new ChatApiClient(BaseUri);
        var name = Proto.UniqueName();
        var before = DateTimeOffset.UtcNow;

        var answer = await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { username = name, password = "password1" }), authenticate: false);

        Assert.Equal(HttpStatusCode.Created, answer.Status);
        var body = answer.Body!.Value;
        var userId = body.GetProperty("user_id").GetString();
        var token = body.GetProperty("access_token").GetString();
        var expiresAt = body.GetProperty("expires_at").GetString();
        Assert.False(string.IsNullOrEmpty(userId));
        Assert.False(string.IsNullOrEmpty(token));
        Assert.NotNull(expiresAt);
        Assert.EndsWith("Z", expiresAt, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(expiresAt, CultureInfo.InvariantCulture) > before, $"expires_at {expiresAt} is not in the future");

        api.AccessToken = token;
        var me = await api.GetMeAsync();
        Assert.Equal(userId, me.UserId);
        Assert.Equal(name, me.Username);
        Assert.Equal(name, me.DisplayName);
    }

    [Fact]
    public async Task DisplayNameIsKeptWhenGiven()
    {
        using var user = await Proto.RegisterAsync(BaseUri, displayName: "Alice Liddell");
        var me = await user.Api.GetMeAsync();
        Assert.Equal(user.Username, me.Username);
        Assert.Equal("Alice Liddell", me.DisplayName);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("")]
    [InlineData("abcdefghijabcdefghijabcdefghijabc")] // 33
    [InlineData("bad name")]
    [InlineData("bad!name")]
    [InlineData("bad@name")]
    [InlineData("bad/name")]
    [InlineData("bäd_name")]
    public async Task RegisterRefusesBadUsernames(string username)
    {
        using var api = new ChatApiClient(BaseUri);
        var answer = await Proto.RawAsync(
            api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { username, password = "password1" }), authenticate: false);
        Proto.AssertHttpError(answer, HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Fact]
    public async Task RegisterRefusesAMissingUsernameOrPasswordAndMalformedJson()
    {
        using var api = new ChatApiClient(BaseUri);
        Proto.AssertHttpError(
            await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { password = "password1" }), authenticate: false),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        Proto.AssertHttpError(
            await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { username = Proto.UniqueName() }), authenticate: false),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
        Proto.AssertHttpError(
            await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", "{\"username\":", authenticate: false),
            HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Fact]
    public async Task RegisterAcceptsUsernamesAtTheBoundaries()
    {
        using var api = new ChatApiClient(BaseUri);
        var guid = Guid.NewGuid().ToString("N");
        var shortest = "x" + guid[..2]; // 3, unique enough: only this test makes 3-letter names
        var longest = ("a_b.c-" + guid)[..32];

        var a = await api.RegisterAsync(shortest, "password1");
        var b = await api.RegisterAsync(longest, "password1");

        Assert.NotEqual(a.UserId, b.UserId);
        Assert.Equal(longest, (await api.GetMeAsync()).Username);
    }

    [Fact]
    public async Task UpperCaseUsernameIsLowerCasedAndComparedInLowerCase()
    {
        using var api = new ChatApiClient(BaseUri);
        var lower = Proto.UniqueName();
        var mixed = "U" + lower[1..].ToUpperInvariant();
        Assert.Equal(lower, mixed.ToLowerInvariant());

        var answer = await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { username = mixed, password = "password1" }), authenticate: false);
        Assert.True(answer.Status == HttpStatusCode.Created, $"Registering {mixed}: HTTP {(int)answer.Status} {answer.Body?.GetRawText()}");
        var userId = answer.Body!.Value.GetProperty("user_id").GetString();
        api.AccessToken = answer.Body.Value.GetProperty("access_token").GetString();
        Assert.Equal(lower, (await api.GetMeAsync()).Username);

        // The same name in lower case is the same name.
        await Proto.AssertApiErrorAsync(() => api.RegisterAsync(lower, "password2"), HttpStatusCode.Conflict, ErrorCodes.Conflict);

        // And logging in works in either case.
        Assert.Equal(userId, (await api.LoginAsync(lower, "password1")).UserId);
        Assert.Equal(userId, (await api.LoginAsync(mixed, "password1")).UserId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(129)]
    public async Task RegisterRefusesPasswordsOutside8To128(int length)
    {
        using var api = new ChatApiClient(BaseUri);
        var answer = await Proto.RawAsync(
            api, HttpMethod.Post, "api/v1/auth/register",
            Proto.Json(new { username = Proto.UniqueName(), password = new string('p', length) }), authenticate: false);
        Proto.AssertHttpError(answer, HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(128)]
    public async Task RegisterAcceptsPasswordsOf8And128Characters(int length)
    {
        using var api = new ChatApiClient(BaseUri);
        var name = Proto.UniqueName();
        var password = new string('p', length);
        var registered = await api.RegisterAsync(name, password);
        Assert.Equal(HttpStatusCode.Created, api.LastStatusCode);
        Assert.Equal(registered.UserId, (await api.LoginAsync(name, password)).UserId);
    }

    [Fact]
    public async Task DuplicateUsernameIs409Conflict()
    {
        using var api = new ChatApiClient(BaseUri);
        var name = Proto.UniqueName();
        await api.RegisterAsync(name, "password1");

        var answer = await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/register", Proto.Json(new { username = name, password = "another-password" }), authenticate: false);

        Proto.AssertHttpError(answer, HttpStatusCode.Conflict, ErrorCodes.Conflict);
    }

    [Fact]
    public async Task LoginAnswers200WithAFreshTokenAnd401OnBadCredentials()
    {
        using var api = new ChatApiClient(BaseUri);
        var name = Proto.UniqueName();
        var registered = await api.RegisterAsync(name, "password1");

        var answer = await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/login", Proto.Json(new { username = name, password = "password1" }), authenticate: false);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var body = answer.Body!.Value;
        Assert.Equal(registered.UserId, body.GetProperty("user_id").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("access_token").GetString()));
        Assert.EndsWith("Z", body.GetProperty("expires_at").GetString(), StringComparison.Ordinal);

        using var other = new ChatApiClient(BaseUri) { AccessToken = body.GetProperty("access_token").GetString() };
        Assert.Equal(registered.UserId, (await other.GetMeAsync()).UserId);

        Proto.AssertHttpError(
            await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/login", Proto.Json(new { username = name, password = "password2" }), authenticate: false),
            HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Proto.AssertHttpError(
            await Proto.RawAsync(api, HttpMethod.Post, "api/v1/auth/login", Proto.Json(new { username = Proto.UniqueName(), password = "password1" }), authenticate: false),
            HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task MeReturnsTheCallersProfile()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var answer = await Proto.RawAsync(user.Api, HttpMethod.Get, "api/v1/me");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var body = answer.Body!.Value;
        Assert.Equal(user.Id, body.GetProperty("user_id").GetString());
        Assert.Equal(user.Username, body.GetProperty("username").GetString());
        Assert.Equal(user.Username, body.GetProperty("display_name").GetString());
    }

    [Theory]
    [InlineData("GET", "api/v1/me")]
    [InlineData("GET", "api/v1/chats")]
    [InlineData("POST", "api/v1/chats")]
    [InlineData("GET", "api/v1/chats/c_anything/messages")]
    public async Task CallsWithoutAValidTokenAre401Unauthorized(string method, string path)
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var body = method == "POST" ? Proto.Json(new { kind = "group", name = "g", member_ids = Array.Empty<string>() }) : null;
        var keys = Keys();

        foreach (var (label, token) in new (string, string?)[]
        {
            ("no token", null),
            ("garbage", "not-a-token"),
            ("tampered", Tamper(user.Token)),
            ("forged with another key", MakeToken(RandomNumberGenerator.GetBytes(32), keys.Issuer, user.Id, user.Username, DateTimeOffset.UtcNow.AddHours(1))),
            ("expired", MakeToken(keys.Key, keys.Issuer, user.Id, user.Username, DateTimeOffset.UtcNow.AddMinutes(-1))),
            ("wrong issuer", MakeToken(keys.Key, "someone-else", user.Id, user.Username, DateTimeOffset.UtcNow.AddHours(1))),
        })
        {
            using var api = new ChatApiClient(BaseUri) { AccessToken = token };
            var answer = await Proto.RawAsync(api, new HttpMethod(method), path, body, authenticate: token is not null);
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{label}: HTTP {(int)answer.Status} {answer.Body?.GetRawText()}");
            Proto.AssertErrorBody(answer.Body, ErrorCodes.Unauthorized);
        }
    }

    [Fact]
    public async Task AWellSignedTokenMadeByTheTestIsAccepted()
    {
        // The control for the forged and expired tokens above: the same recipe with the server's key works.
        using var user = await Proto.RegisterAsync(BaseUri);
        var keys = Keys();
        using var api = new ChatApiClient(BaseUri) { AccessToken = MakeToken(keys.Key, keys.Issuer, user.Id, user.Username, DateTimeOffset.UtcNow.AddHours(1)) };
        Assert.Equal(user.Id, (await api.GetMeAsync()).UserId);
    }

    [Fact]
    public async Task WebSocketWithAMissingOrBadTokenIsRefusedWith401BeforeTheUpgrade()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var keys = Keys();
        foreach (var (label, token) in new (string, string?)[]
        {
            ("no token", null),
            ("garbage", "not-a-token"),
            ("forged", MakeToken(RandomNumberGenerator.GetBytes(32), keys.Issuer, user.Id, user.Username, DateTimeOffset.UtcNow.AddHours(1))),
            ("expired", MakeToken(keys.Key, keys.Issuer, user.Id, user.Username, DateTimeOffset.UtcNow.AddMinutes(-1))),
        })
        {
            var ex = await Assert.ThrowsAsync<ChatConnectException>(() => ChatConnection.ConnectAsync(BaseUri, token, "phone"));
            Assert.True(ex.StatusCode == HttpStatusCode.Unauthorized, $"{label}: {ex.Message}");
        }

        // Also when the bad token comes in the Authorization header.
        var header = await Assert.ThrowsAsync<ChatConnectException>(() => ChatConnection.ConnectAsync(
            BaseUri, "not-a-token", "phone", new ChatConnectionOptions { SendTokenInHeader = true }));
        Assert.Equal(HttpStatusCode.Unauthorized, header.StatusCode);
    }

    [Fact]
    public async Task WebSocketUpgradeRefusalCarriesTheProtocolErrorBody()
    {
        using var http = new HttpClient();
        var uri = new UriBuilder(new Uri(BaseUri, "ws")) { Query = "device_id=phone" }.Uri;
        using var response = await http.GetAsync(uri);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Proto.AssertErrorBody(await Proto.ReadJsonAsync(response), ErrorCodes.Unauthorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData("slash/ed")]
    [InlineData("ümlaut")]
    [InlineData("phone\n")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde")] // 65
    public async Task WebSocketWithABadOrMissingDeviceIdIsRefusedWith400BeforeTheUpgrade(string? deviceId)
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var ex = await Assert.ThrowsAsync<ChatConnectException>(() => ChatConnection.ConnectAsync(BaseUri, user.Token, deviceId));
        Assert.True(ex.StatusCode == HttpStatusCode.BadRequest, ex.Message);
    }

    [Fact]
    public async Task WebSocketAcceptsDeviceIdsOf1To64AllowedCharactersAndTheTokenInTheHeader()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        var longest = ("Ab_-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..64];

        await using (var a = await user.ConnectAsync("x"))
        {
            Assert.Equal("x", a.DeviceId);
        }

        await using (var b = await user.ConnectAsync(longest))
        {
            Assert.Equal(longest, b.DeviceId);
        }

        await using var c = await user.ConnectAsync("header-device", new ChatConnectionOptions { SendTokenInHeader = true });
        Assert.Equal(user.Id, c.UserId);
        await c.PingAsync();
    }

    [Fact]
    public async Task WelcomeIsTheFirstFrameWithUserDeviceAndSession()
    {
        using var user = await Proto.RegisterAsync(BaseUri);
        await using var phone = await user.ConnectAsync("phone");
        await using var laptop = await user.ConnectAsync("laptop");

        foreach (var (connection, device) in new[] { (phone, "phone"), (laptop, "laptop") })
        {
            var welcome = Assert.IsType<WelcomeEvent>(connection.Received[0]);
            Assert.Equal(user.Id, welcome.UserId);
            Assert.Equal(device, welcome.DeviceId);
            Assert.False(string.IsNullOrEmpty(welcome.SessionId));
            Assert.Single(connection.ReceivedOf<WelcomeEvent>());
        }

        Assert.NotEqual(phone.SessionId, laptop.SessionId);
    }

    [Fact]
    public async Task ATokenThatExpiresWhileConnectedClosesTheSocketWith4401()
    {
        // Long enough for a cold gateway (tests run in parallel) to register and connect well before expiry.
        var lifetime = TimeSpan.FromSeconds(6);
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:TokenLifetime"] = lifetime.ToString("c", CultureInfo.InvariantCulture),
        });
        using var user = await Proto.RegisterAsync(gateway.BaseUri);
        Assert.True(user.Auth.ExpiresAt <= DateTimeOffset.UtcNow + lifetime + TimeSpan.FromSeconds(1), $"expires_at {user.Auth.ExpiresAt:O} ignores Auth:TokenLifetime");

        await using var connection = await user.ConnectAsync("phone");
        await connection.PingAsync();

        await connection.Closed.WaitAsync(lifetime + Proto.Timeout);
        var closedAt = DateTimeOffset.UtcNow;
        var closeStatus = (int?)connection.CloseStatus;
        var how = $"close status {closeStatus?.ToString(CultureInfo.InvariantCulture) ?? "none"} '{connection.CloseStatusDescription}', failure: {connection.Failure?.GetBaseException().Message ?? "none"}";

        // Not closed early: the server's clock and ours agree within a second here.
        Assert.True(closedAt >= user.Auth.ExpiresAt - TimeSpan.FromSeconds(1), $"The socket was closed at {closedAt:O}, long before the token expired at {user.Auth.ExpiresAt:O} ({how}).");

        // The token is now refused everywhere.
        Proto.AssertHttpError(await Proto.RawAsync(user.Api, HttpMethod.Get, "api/v1/me"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        var refused = await Assert.ThrowsAsync<ChatConnectException>(() => ChatConnection.ConnectAsync(gateway.BaseUri, user.Token, "phone"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // A fresh login connects again.
        var login = await user.Api.LoginAsync(user.Username, "password1");
        await using (var again = await ChatConnection.ConnectAsync(gateway.BaseUri, login.AccessToken, "phone"))
        {
            await again.SyncDone.WaitAsync(Proto.Timeout);
            await again.PingAsync();
        }

        // The close itself must carry 4401 (a close frame the client can read, not a dropped connection).
        Assert.True(closeStatus == ChatCloseCodes.TokenExpired, $"Expected close code 4401; got {how}.");
    }

    private (byte[] Key, string Issuer) Keys()
    {
        var services = fixture.Gateway.Services;
        return (services.GetRequiredService<TokenService>().Key.Key, services.GetRequiredService<IOptions<AuthOptions>>().Value.Issuer);
    }

    /// <summary>An HS256 JWT shaped like the server's: sub, name, iss, aud, iat, nbf, exp.</summary>
    private static string MakeToken(byte[] key, string issuer, string userId, string username, DateTimeOffset expires)
    {
        var issued = expires.AddHours(-1);
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["name"] = username,
            ["iss"] = issuer,
            ["aud"] = issuer,
            ["iat"] = issued.ToUnixTimeSeconds(),
            ["nbf"] = issued.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        }));
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    /// <summary>The same token with the first character of its signature changed (6 significant bits).</summary>
    private static string Tamper(string token)
    {
        var dot = token.LastIndexOf('.');
        var replacement = token[dot + 1] == 'A' ? 'B' : 'A';
        return token[..(dot + 1)] + replacement + token[(dot + 2)..];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
