using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class UsernameGrainTests(ClusterFixture fixture)
{
    private IUsernameGrain Username(string name) => fixture.Grains.GetGrain<IUsernameGrain>(name);

    [Fact]
    public async Task FirstClaimWinsAndSecondClaimIsRefused()
    {
        var name = UniqueName("taken");
        var first = new AccountCredentials(ChatIds.NewUserId(), "hash-1");
        var second = new AccountCredentials(ChatIds.NewUserId(), "hash-2");

        Assert.True(await Username(name).Claim(first));
        Assert.False(await Username(name).Claim(second));

        Assert.Equal(first, await Username(name).GetCredentials());
    }

    [Fact]
    public async Task ClaimingAgainWithTheSameCredentialsIsRefused()
    {
        var name = UniqueName("again");
        var credentials = new AccountCredentials(ChatIds.NewUserId(), "hash");

        Assert.True(await Username(name).Claim(credentials));
        Assert.False(await Username(name).Claim(credentials));
        Assert.Equal(credentials, await Username(name).GetCredentials());
    }

    [Fact]
    public async Task UnclaimedNameHasNoCredentials()
    {
        Assert.Null(await Username(UniqueName("free")).GetCredentials());
    }

    [Fact]
    public async Task ConcurrentClaimsHaveExactlyOneWinner()
    {
        var name = UniqueName("race");
        var contenders = Enumerable.Range(0, 20).Select(i => new AccountCredentials(ChatIds.NewUserId(), $"hash-{i}")).ToList();

        var results = await Task.WhenAll(contenders.Select(c => Username(name).Claim(c)));

        Assert.Equal(1, results.Count(won => won));
        var winner = contenders[Array.IndexOf(results, true)];
        Assert.Equal(winner, await Username(name).GetCredentials());
    }

    [Fact]
    public async Task ClaimSurvivesDeactivation()
    {
        var name = UniqueName("durable");
        var first = new AccountCredentials(ChatIds.NewUserId(), "hash-1");
        await Username(name).Claim(first);

        await fixture.Cluster.DeactivateAsync(Username(name));

        Assert.False(await Username(name).Claim(new AccountCredentials(ChatIds.NewUserId(), "hash-2")));
        Assert.Equal(first, await Username(name).GetCredentials());
    }

    [Fact]
    public async Task DifferentNamesAreIndependent()
    {
        var (one, two) = (UniqueName("one"), UniqueName("two"));
        var userOne = new AccountCredentials(ChatIds.NewUserId(), "hash-1");
        var userTwo = new AccountCredentials(ChatIds.NewUserId(), "hash-2");

        Assert.True(await Username(one).Claim(userOne));
        Assert.True(await Username(two).Claim(userTwo));

        Assert.Equal(userOne, await Username(one).GetCredentials());
        Assert.Equal(userTwo, await Username(two).GetCredentials());
    }
}
