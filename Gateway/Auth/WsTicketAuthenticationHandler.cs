using System.Security.Claims;
using System.Text.Encodings.Web;
using ChatOrleans.Gateway.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChatOrleans.Gateway.Auth;

/// <summary>
/// The <see cref="WsAuthentication.TicketScheme"/>: a signed, unexpired <c>?ticket=</c> is its
/// user. The ticket is left in the request's features for the endpoint, which uses it up.
/// </summary>
public sealed class WsTicketAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, WsTicketService tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (tickets.Read(Request.Query[WsAuthentication.TicketQuery].FirstOrDefault()) is not { } ticket)
        {
            return Task.FromResult(AuthenticateResult.Fail(WsAuthentication.InvalidTicket));
        }

        Context.Features.Set(ticket);
        var identity = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, ticket.UserId)], Scheme.Name, JwtRegisteredClaimNames.Name, null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiErrors.Write(Context, ErrorCodes.Unauthorized, WsAuthentication.InvalidTicket);
}
