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

    /// <summary>
    /// Stores <paramref name="newHash"/> (an upgraded hash of the same password) when the stored hash
    /// is still <paramref name="expectedHash"/>; false, changing nothing, when it is not (or the name is unclaimed).
    /// </summary>
    [Alias("ReplacePasswordHash")]
    Task<bool> ReplacePasswordHash(string expectedHash, string newHash);
}
