namespace ChatOrleans.Client;

/// <summary>The caller's own profile (<c>GET /me</c>).</summary>
/// <param name="UserId">The user's id.</param>
/// <param name="Username">The login name (lower case).</param>
/// <param name="DisplayName">The display name (defaults to the username).</param>
public sealed record Me(string UserId, string Username, string DisplayName);
