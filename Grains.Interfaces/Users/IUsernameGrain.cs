namespace ChatOrleans;

/// <summary>
/// One username (key: the name in lower case). The grain is the uniqueness check: the first
/// claim wins, and login reads the credentials from it.
/// </summary>
[Alias("ChatOrleans.IUsernameGrain")]
public interface IUsernameGrain : IGrainWithStringKey
{
    /// <summary>False when the name is taken.</summary>
    [Alias("Claim")]
    Task<bool> Claim(AccountCredentials credentials);

    [Alias("GetCredentials")]
    Task<AccountCredentials?> GetCredentials();
}
