namespace ChatOrleans.Client;

/// <summary>The answer to register and login.</summary>
/// <param name="UserId">The user's id (<c>u_…</c>).</param>
/// <param name="AccessToken">Bearer token for HTTP and the WebSocket.</param>
/// <param name="ExpiresAt">When the token expires (UTC).</param>
public sealed record AuthResult(string UserId, string AccessToken, DateTimeOffset ExpiresAt);
