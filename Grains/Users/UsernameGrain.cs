using ChatOrleans.Grains.Hosting;

namespace ChatOrleans.Grains.Users;

/// <summary>One username: the first claim wins, which makes registration race-free without an index.</summary>
public sealed class UsernameGrain(
    [PersistentState("username", StorageNames.GrainState)] IPersistentState<UsernameState> state)
    : Grain, IUsernameGrain
{
    public async Task<bool> Claim(AccountCredentials credentials)
    {
        if (state.State.Credentials is not null)
        {
            return false;
        }

        state.State.Credentials = credentials;
        await state.WriteStateAsync();
        return true;
    }

    public Task<AccountCredentials?> GetCredentials()
    {
        if (state.State.Credentials is null)
        {
            // An unclaimed name (a look-up or a login with a made-up name) holds no memory after the call.
            DeactivateOnIdle();
        }

        return Task.FromResult(state.State.Credentials);
    }

    public async Task<bool> ReplacePasswordHash(string expectedHash, string newHash)
    {
        if (state.State.Credentials is not { } current || !string.Equals(current.PasswordHash, expectedHash, StringComparison.Ordinal))
        {
            return false;
        }

        state.State.Credentials = current with { PasswordHash = newHash };
        await state.WriteStateAsync();
        return true;
    }
}
