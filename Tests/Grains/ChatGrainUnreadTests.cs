using ChatOrleans.Tests.Infrastructure;
using Orleans.Core.Internal;

namespace ChatOrleans.Tests.Grains;

/// <summary>Unread counts kept per member and extended from the chat's recent senders stay what the log would count.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainUnreadTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task CountsFollowSendsDeletionsAndAReactivation()
    {
        var (a, b, c) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"), await Grains.CreateUser("c"));
        var (chat, _) = await Grains.CreateGroup(a, b, c);
        await chat.SendMany(a, 3);                 // 1..3 by a
        var byB = await chat.SendMany(b, 2);       // 4..5 by b

        Assert.Equal(5, await chat.CountUnread(c.Id, 0));
        Assert.Equal(2, await chat.CountUnread(a.Id, 0));
        Assert.Equal(3, await chat.CountUnread(b.Id, 0));

        // Kept counts are extended by what came since.
        await chat.SendMany(a, 2);                 // 6..7 by a
        Assert.Equal(7, await chat.CountUnread(c.Id, 0));
        Assert.Equal(2, await chat.CountUnread(a.Id, 0));
        Assert.Equal(5, await chat.CountUnread(b.Id, 0));
        Assert.Equal(3, await chat.CountUnread(c.Id, 4));

        // A deleted message no longer counts, in kept counts or new ones.
        await chat.Delete(b.Id, byB[0].MessageId); // seq 4
        Assert.Equal(6, await chat.CountUnread(c.Id, 0));
        Assert.Equal(1, await chat.CountUnread(a.Id, 0));
        Assert.Equal(3, await chat.CountUnread(c.Id, 3)); // 5, 6 and 7: 4 is deleted

        // A new activation counts in the log first, then extends again.
        await chat.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(6, await chat.CountUnread(c.Id, 0));
        await chat.Send(c, "from c");              // 8 by c
        await chat.Send(b, "from b");              // 9 by b
        Assert.Equal(7, await chat.CountUnread(c.Id, 0));
        Assert.Equal(3, await chat.CountUnread(a.Id, 0));
        Assert.Equal(0, await chat.CountUnread(a.Id, 9));
    }
}
