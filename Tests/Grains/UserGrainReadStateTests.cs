using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class UserGrainReadStateTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    private IUserGrain User(TestUser user) => Grains.GetGrain<IUserGrain>(user.Id);

    [Fact]
    public async Task MarkReadMovesForward()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 5);

        var state = await User(b).MarkRead(info.ChatId, 2);

        Assert.Equal(info.ChatId, state.ChatId);
        Assert.Equal(2, state.LastReadSeq);
        Assert.Equal(3, state.UnreadCount);
        Assert.Equal(3, state.BadgeCount);
        var view = await User(b).GetChat(info.ChatId);
        Assert.Equal(2, view.LastReadSeq);
        Assert.Equal(3, view.UnreadCount);

        Assert.Equal(4, (await User(b).MarkRead(info.ChatId, 4)).LastReadSeq);
        Assert.Equal(4, (await User(b).GetReadState(info.ChatId)).LastReadSeq);
    }

    [Fact]
    public async Task MarkReadAboveLastSeqIsClamped()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 3);

        var state = await User(b).MarkRead(info.ChatId, 100);

        Assert.Equal(3, state.LastReadSeq);
        Assert.Equal(0, state.UnreadCount);
        Assert.Equal(3, (await User(b).GetChat(info.ChatId)).LastReadSeq);

        // Had 100 been stored, the next message would not count as unread.
        await chat.Send(a, "fourth");
        var view = await User(b).GetChat(info.ChatId);
        Assert.Equal(3, view.LastReadSeq);
        Assert.Equal(1, view.UnreadCount);
    }

    [Fact]
    public async Task MarkReadNeverMovesBackwards()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 5);
        await User(b).MarkRead(info.ChatId, 4);

        var state = await User(b).MarkRead(info.ChatId, 1);

        Assert.Equal(4, state.LastReadSeq);
        Assert.Equal(1, state.UnreadCount);
        Assert.Equal(4, (await User(b).GetChat(info.ChatId)).LastReadSeq);
        Assert.Equal(4, (await User(b).MarkRead(info.ChatId, 0)).LastReadSeq);
    }

    [Fact]
    public async Task UnreadCountCountsOthersNonDeletedMessagesAboveReadPosition()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await using var events = await fixture.Client.SubscribeUser(b.Id);
        var fromA = await chat.SendMany(a, 4);                 // seqs 1-4
        await chat.Send(b, "b's own");                        // seq 5: moves b's read position to 5
        await events.WaitFor<ReadStateEvent>(e => e.State.ChatId == info.ChatId && e.State.LastReadSeq == 5);
        var more = await chat.SendMany(a, 2);                 // seqs 6-7

        // Above 0: A's six, not B's own.
        Assert.Equal(6, await chat.CountUnread(b.Id, 0));
        // A's own messages never count for A.
        Assert.Equal(1, await chat.CountUnread(a.Id, 0));
        Assert.Equal(2, (await User(b).GetChat(info.ChatId)).UnreadCount);

        await chat.Delete(a.Id, fromA[2].MessageId);           // seq 3
        await chat.Delete(a.Id, more[1].MessageId);            // seq 7
        Assert.Equal(4, await chat.CountUnread(b.Id, 0));
        Assert.Equal(1, await chat.CountUnread(b.Id, 4));     // seq 6 only
        Assert.Equal(0, await chat.CountUnread(b.Id, 7));

        var view = await User(b).GetChat(info.ChatId);
        Assert.Equal(5, view.LastReadSeq);
        Assert.Equal(1, view.UnreadCount);                    // seq 6; seq 7 is deleted
        var state = await User(b).GetReadState(info.ChatId);
        Assert.Equal(1, state.UnreadCount);
        Assert.Equal(1, state.BadgeCount);
    }

    [Fact]
    public async Task BadgeCountSumsUnreadOverChatsWhoseLevelIsNotNone()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat1, info1) = await Grains.CreateGroup(a, b);
        var (chat2, info2) = await Grains.CreateGroup(a, b);
        var (chat3, info3) = await Grains.CreateGroup(a, b);
        await chat1.SendMany(a, 2);
        await chat2.SendMany(a, 3);
        await chat3.SendMany(a, 4);
        Assert.Equal(9, await User(b).GetBadgeCount());

        await User(b).SetChatLevel(info2.ChatId, NotificationLevel.None);
        await User(b).SetChatLevel(info3.ChatId, NotificationLevel.Mentions);

        Assert.Equal(6, await User(b).GetBadgeCount());
        var state = await User(b).GetReadState(info1.ChatId);
        Assert.Equal(2, state.UnreadCount);
        Assert.Equal(6, state.BadgeCount);
        var muted = await User(b).GetChat(info2.ChatId);
        Assert.Equal(NotificationLevel.None, muted.Level);
        Assert.Equal(3, muted.UnreadCount);
        Assert.Equal(NotificationLevel.Mentions, (await User(b).GetChat(info3.ChatId)).Level);

        var afterRead = await User(b).MarkRead(info1.ChatId, 2);
        Assert.Equal(4, afterRead.BadgeCount);

        await User(b).SetChatLevel(info2.ChatId, NotificationLevel.All);
        Assert.Equal(7, await User(b).GetBadgeCount());
    }

    [Fact]
    public async Task BadgeCountDropsChatsTheUserLeft()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat1, _) = await Grains.CreateGroup(a, b);
        var (chat2, _) = await Grains.CreateGroup(a, b);
        await chat1.SendMany(a, 2);
        await chat2.SendMany(a, 3);

        await chat2.RemoveMember(b.Id, b.Id);

        Assert.Equal(2, await User(b).GetBadgeCount());
    }

    [Fact]
    public async Task NonMemberMarkReadIsForbidden()
    {
        var (a, outsider) = (await Grains.CreateUser("a"), await Grains.CreateUser("outsider"));
        var (chat, info) = await Grains.CreateGroup(a);
        await chat.Send(a, "hi");

        await AssertChatError(ErrorCodes.Forbidden, () => User(outsider).MarkRead(info.ChatId, 1));
        await AssertChatError(ErrorCodes.Forbidden, () => User(outsider).GetReadState(info.ChatId));
        await AssertChatError(ErrorCodes.Forbidden, () => User(outsider).SetChatLevel(info.ChatId, NotificationLevel.None));
        Assert.Empty(await User(outsider).GetChatEntries());
    }

    [Fact]
    public async Task MarkReadInUnknownChatIsNotFound()
    {
        var a = await Grains.CreateUser("a");

        await AssertChatError(ErrorCodes.NotFound, () => User(a).MarkRead(ChatIds.NewGroupId(), 1));
    }

    [Fact]
    public async Task MarkReadPublishesReadStateOnUsersStream()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var (other, _) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 3);
        await other.SendMany(a, 2);
        await using var events = await fixture.Client.SubscribeUser(b.Id);

        await User(b).MarkRead(info.ChatId, 2);

        var published = await events.WaitFor<ReadStateEvent>(e => e.State.ChatId == info.ChatId);
        Assert.Equal(b.Id, published.UserId);
        Assert.Equal(new ReadState(info.ChatId, 2, 1, 3), published.State);
    }

    [Fact]
    public async Task MarkReadThatDoesNotMovePublishesNothing()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 3);
        await using var events = await fixture.Client.SubscribeUser(b.Id);
        await User(b).MarkRead(info.ChatId, 3);
        await events.WaitFor<ReadStateEvent>(e => e.State.LastReadSeq == 3);

        await User(b).MarkRead(info.ChatId, 2);
        await User(b).MarkRead(info.ChatId, 3);
        await chat.Send(b, "marker");

        // The marker's read move is published after anything the two marks could have published.
        await events.WaitFor<ReadStateEvent>(e => e.State.LastReadSeq == 4);
        Assert.Equal(new long[] { 3L, 4L }, events.EventsOf<ReadStateEvent>().Select(e => e.State.LastReadSeq));
    }

    [Fact]
    public async Task MarkReadInDirectChatPublishesReceiptOnChatStream()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateDirect(a, b);
        await chat.SendMany(a, 2);
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        await User(b).MarkRead(info.ChatId, 2);

        var receipt = await events.WaitFor<ReceiptEvent>(e => e.UserId == b.Id);
        Assert.Equal(new ReceiptEvent(info.ChatId, b.Id, 2), receipt);
    }

    [Fact]
    public async Task MarkReadInSmallGroupPublishesReceiptOnChatStream()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.SendMany(a, 2);
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        await User(b).MarkRead(info.ChatId, 1);

        Assert.Equal(new ReceiptEvent(info.ChatId, b.Id, 1), await events.WaitFor<ReceiptEvent>(e => e.UserId == b.Id));
    }

    [Fact]
    public async Task ReadStatesMovedSinceListsOnlyChatsWhosePositionMoved()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat1, info1) = await Grains.CreateGroup(a, b);
        var (chat2, _) = await Grains.CreateGroup(a, b);
        await chat1.SendMany(a, 3);
        await chat2.SendMany(a, 2);
        var since = DateTimeOffset.UtcNow;

        await User(b).MarkRead(info1.ChatId, 1);

        var moved = Assert.Single(await User(b).GetReadStatesMovedSince(since));
        Assert.Equal(new ReadState(info1.ChatId, 1, 2, 4), moved);
    }
}
