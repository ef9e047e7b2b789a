namespace ChatOrleans;

/// <summary>A username's claim: whose it is and the salted hash of their password.</summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.AccountCredentials")]
public sealed record AccountCredentials(string UserId, string PasswordHash);
