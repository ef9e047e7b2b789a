namespace ChatOrleans;

[GenerateSerializer, Immutable, Alias("ChatOrleans.UserProfile")]
public sealed record UserProfile(string UserId, string Username, string DisplayName, DateTimeOffset CreatedAt);
