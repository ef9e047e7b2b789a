using System.Security.Claims;
using ChatOrleans.Gateway.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;

namespace ChatOrleans.Tests.Gateway;

/// <summary>Where <c>/ws</c> finds its token, and the caller it makes of an authenticated request.</summary>
[Trait("Category", "Unit")]
public sealed class WsAuthenticationTests
{
    [Theory]
    [InlineData("/ws", null, "?access_token=t1&device_id=d", "t1")]
    [InlineData("/WS", null, "?access_token=t1", "t1")]
    [InlineData("/ws", "Bearer h1", "?access_token=t1", null)] // the header wins: JwtBearer reads it
    [InlineData("/ws", "bearer h1", "?access_token=t1", null)]
    [InlineData("/ws", "Basic abc", "?access_token=t1", "t1")]
    [InlineData("/ws", null, "?device_id=d", null)]
    [InlineData("/api/v1/me", null, "?access_token=t1", null)] // HTTP takes the header only
    [InlineData("/ws/x", null, "?access_token=t1", null)]
    public async Task TheQueryTokenIsReadOnTheWebSocketPathWithoutABearerHeader(string path, string? authorization, string query, string? expected)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }

        var context = new MessageReceivedContext(
            http, new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), new JwtBearerOptions());
        await WsAuthentication.ReadAccessTokenQuery(context);

        Assert.Equal(expected, context.Token);
    }

    [Fact]
    public void ATokensCallerIsItsSubjectUntilItsExpiry()
    {
        var http = new DefaultHttpContext { User = Principal(("sub", "u1"), ("exp", "1800000000")) };

        var identity = WsAuthentication.IdentityOf(http);

        Assert.Equal(new TokenIdentity("u1", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)), identity);
    }

    [Fact]
    public void ATicketsCallerIsItsUserUntilTheTokenBehindItExpires()
    {
        var tokenExpiry = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123);
        var http = new DefaultHttpContext { User = Principal(("sub", "u1")) };
        http.Features.Set(new WsTicket("u1", DateTimeOffset.UnixEpoch, tokenExpiry, "n1"));

        Assert.Equal(new TokenIdentity("u1", tokenExpiry), WsAuthentication.IdentityOf(http));
    }

    [Theory]
    [InlineData(null, "1800000000")]
    [InlineData("", "1800000000")]
    [InlineData("u1", null)]
    [InlineData("u1", "soon")]
    public void WithoutASubjectAndAnExpiryThereIsNoCaller(string? subject, string? expiry)
    {
        var claims = new List<(string, string)>();
        if (subject is not null)
        {
            claims.Add(("sub", subject));
        }

        if (expiry is not null)
        {
            claims.Add(("exp", expiry));
        }

        Assert.Null(WsAuthentication.IdentityOf(new DefaultHttpContext { User = Principal([.. claims]) }));
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));
}
