using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Grains;

/// <summary>
/// The badge the notification pipeline keeps from the chats' batches and read moves: the same as
/// counting every chat, after sends, reads, deletions and leaving, however the messages arrive.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BadgeTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    private IUserGrain User(TestUser user) => Grains.GetGrain<IUserGrain>(user.Id);

    [Fact]
    public async Task TheBadgeOfAReadStateFollowsMessagesInOtherChatsWithoutCountingThemAgain()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat1, info1) = await Grains.CreateGroup(a, b);
        var (chat2, info2) = await Grains.CreateGroup(a, b);
        await chat1.SendMany(a, 2);
        Assert.Equal(0, (await User(b).MarkRead(info1.ChatId, 2)).BadgeCount);

        // b's counts are now kept from the batches: three more in chat2, one in chat1.
        await chat2.SendMany(a, 3);
        await chat1.Send(a, "one more");
        await Eventually(async () => await User(b).GetBadgeCount(), 4);

        var state = await User(b).MarkRead(info2.ChatId, 2);
        Assert.Equal(1, state.UnreadCount);
        Assert.Equal(2, state.BadgeCount);
        Assert.Equal(1, (await User(b).MarkRead(info1.ChatId, 3)).BadgeCount);
    }

    [Fact]
    public async Task DeletingAnUnreadMessageLowersTheBadge()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        Assert.Equal(0, (await User(b).GetReadState(info.ChatId)).BadgeCount);
        var sent = await chat.SendMany(a, 3);
        await Eventually(async () => await User(b).GetBadgeCount(), 3);

        await chat.Delete(a.Id, sent[1].MessageId);

        await Eventually(async () => await User(b).GetBadgeCount(), 2);
        Assert.Equal(2, (await User(b).GetReadState(info.ChatId)).UnreadCount);
    }

    [Fact]
    public async Task ASenderInManyChatsGetsTheBadgeOfAllOfThemWithEachSend()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var chats = new List<(IChatGrain Chat, ChatInfo Info)>();
        for (var i = 0; i < 5; i++)
        {
            chats.Add(await Grains.CreateGroup(a, b));
            await chats[^1].Chat.Send(b, $"from b {i}");
        }

        await Eventually(async () => await User(a).GetBadgeCount(), 5);

        // a answers in the last chat: that one is read, the other four still count.
        await using var events = await fixture.Client.SubscribeUser(a.Id);
        var mine = await chats[^1].Chat.Send(a, "answer");
        var read = await events.WaitFor<ReadStateEvent>(e => e.State.ChatId == chats[^1].Info.ChatId && e.State.LastReadSeq == mine.Seq);
        Assert.Equal(0, read.State.UnreadCount);
        Assert.Equal(4, read.State.BadgeCount);
    }

    [Fact]
    public async Task AChatLeftOrMutedLeavesTheBadgeAndUnmutedComesBackWithWhatCameMeanwhile()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat1, info1) = await Grains.CreateGroup(a, b);
        var (chat2, _) = await Grains.CreateGroup(a, b);
        await chat1.SendMany(a, 2);
        await chat2.SendMany(a, 3);
        await Eventually(async () => await User(b).GetBadgeCount(), 5);

        await User(b).SetChatLevel(info1.ChatId, NotificationLevel.None);
        Assert.Equal(3, await User(b).GetBadgeCount());
        await chat1.SendMany(a, 4);
        await User(b).SetChatLevel(info1.ChatId, NotificationLevel.All);
        Assert.Equal(9, await User(b).GetBadgeCount());

        await chat2.RemoveMember(b.Id, b.Id);
        Assert.Equal(6, await User(b).GetBadgeCount());
    }

    /// <summary>
    /// Alerts are one-way: the badge reaches the expected count once they arrived. Waits on the
    /// value with the tests' timeout and reports the last one seen.
    /// </summary>
    private static async Task Eventually(Func<Task<int>> read, int expected)
    {
        using var timeout = new CancellationTokenSource(GrainTestHelpers.Timeout);
        var last = await read();
        while (last != expected)
        {
            Assert.False(timeout.IsCancellationRequested, $"The badge stayed at {last}, expected {expected}.");
            await Task.Delay(20, CancellationToken.None);
            last = await read();
        }
    }
}
