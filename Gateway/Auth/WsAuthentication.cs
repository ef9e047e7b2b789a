using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// How <c>GET /ws</c> authenticates, through ASP.NET Core authentication like the HTTP API: the
/// policy scheme <see cref="Scheme"/> sends a request carrying <c>?ticket=</c> to the ticket
/// scheme and every other one to JwtBearer, which reads the token from the Authorization header
/// or, on <c>/ws</c> only, from <c>?access_token=</c> (old clients; see docs/protocol.md).
/// </summary>
/// <remarks>
/// A ticket is not a JWT (its own format and key, <see cref="WsTicketService"/>), so it gets an
/// authentication handler of its own rather than a JwtBearer event: the policy scheme keeps
/// "which credential" in one selector, and each scheme's challenge writes its own 401 body.
/// The ticket is only read here; it is used up by the endpoint after the other checks before
/// the upgrade (a request refused for its device id does not burn the ticket).
/// </remarks>
public static class WsAuthentication
{
    public const string Scheme = "ws";
    public const string TicketScheme = "ws-ticket";
    public const string TicketQuery = "ticket";
    public const string InvalidTicket = "The ticket is not valid or has expired.";
    public const string Path = "/ws";

    public static AuthenticationBuilder AddChatWsAuthentication(this AuthenticationBuilder builder) =>
        builder
            .AddScheme<AuthenticationSchemeOptions, WsTicketAuthenticationHandler>(TicketScheme, displayName: null, _ => { })
            .AddPolicyScheme(Scheme, displayName: null, options => options.ForwardDefaultSelector = context =>
                context.Request.Query.ContainsKey(TicketQuery) ? TicketScheme : JwtBearerDefaults.AuthenticationScheme);

    /// <summary>
    /// <c>JwtBearerEvents.OnMessageReceived</c>: the Authorization header wins; on <c>/ws</c> without
    /// a bearer header the token may come as <c>?access_token=</c>. Other paths take the header only.
    /// </summary>
    public static Task ReadAccessTokenQuery(MessageReceivedContext context)
    {
        var request = context.Request;
        if (request.Path == Path && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Token = request.Query["access_token"].FirstOrDefault();
        }

        return Task.CompletedTask;
    }

    /// <summary>The authenticated caller of <c>/ws</c> and when its bearer token expires; null without a subject.</summary>
    public static TokenIdentity? IdentityOf(HttpContext context)
    {
        if (context.Features.Get<WsTicket>() is { } ticket)
        {
            return new TokenIdentity(ticket.UserId, ticket.TokenExpiresAt);
        }

        var user = context.User;
        var subject = user.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        return !string.IsNullOrEmpty(subject)
            && long.TryParse(user.FindFirst(JwtRegisteredClaimNames.Exp)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
                ? new TokenIdentity(subject, DateTimeOffset.FromUnixTimeSeconds(exp))
                : null;
    }
}
