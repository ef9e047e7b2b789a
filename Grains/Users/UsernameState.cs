namespace ChatOrleans.Grains.Users;

[GenerateSerializer, Alias("ChatOrleans.Grains.UsernameState")]
public sealed class UsernameState
{
    [Id(0)] public AccountCredentials? Credentials { get; set; }
}
