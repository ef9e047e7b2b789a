using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainMembershipTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task NonMemberSendIsForbidden()
    {
        var (owner, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.Send(outsider, "let me in"));

        Assert.Empty(await chat.History(owner));
    }

    [Fact]
    public async Task NonMemberHistoryIsForbidden()
    {
        var (owner, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(owner);
        await chat.Send(owner, "secret");

        await AssertChatError(ErrorCodes.Forbidden, () => chat.History(outsider));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.GetReplay(outsider.Id, 0, null, 50));
    }

    [Fact]
    public async Task NonMemberTypingIsForbidden()
    {
        var (owner, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.Typing(outsider.Id, true));
    }

    [Fact]
    public async Task NonMemberGetInfoAndLastSeqAreForbidden()
    {
        var (owner, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"));
        var (chat, info) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.GetInfo(outsider.Id));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.GetLastSeq(outsider.Id));
        await AssertChatError(ErrorCodes.Forbidden, () => Grains.GetGrain<IUserGrain>(outsider.Id).GetChat(info.ChatId));
        Assert.False(await chat.IsMember(outsider.Id));
    }

    [Fact]
    public async Task UnknownChatIsNotFound()
    {
        var user = await Grains.CreateUser();
        var chatId = ChatIds.NewGroupId();
        var chat = Grains.GetGrain<IChatGrain>(chatId);

        await AssertChatError(ErrorCodes.NotFound, () => chat.Send(user, "anyone?"));
        await AssertChatError(ErrorCodes.NotFound, () => chat.History(user));
        await AssertChatError(ErrorCodes.NotFound, () => chat.GetInfo(user.Id));
        await AssertChatError(ErrorCodes.NotFound, () => chat.Typing(user.Id, true));
        await AssertChatError(ErrorCodes.NotFound, () => chat.AddMembers(user.Id, [user.Id]));
        await AssertChatError(ErrorCodes.NotFound, () => Grains.GetGrain<IUserGrain>(user.Id).GetChat(chatId));
        Assert.False(await chat.IsMember(user.Id));
    }

    [Fact]
    public async Task DirectChatCreatedTwiceReturnsSameChatWithCreatedFalseFromEitherSide()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var chatId = ChatIds.DirectChatId(a.Id, b.Id);
        Assert.Equal(chatId, ChatIds.DirectChatId(b.Id, a.Id));

        var first = await Grains.GetGrain<IChatGrain>(chatId).EnsureDirect(a.Id, b.Id);
        var again = await Grains.GetGrain<IChatGrain>(chatId).EnsureDirect(a.Id, b.Id);
        var fromOtherSide = await Grains.GetGrain<IChatGrain>(ChatIds.DirectChatId(b.Id, a.Id)).EnsureDirect(b.Id, a.Id);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.False(fromOtherSide.Created);
        foreach (var result in new[] { first, again, fromOtherSide })
        {
            Assert.Equal(chatId, result.Chat.ChatId);
            Assert.Equal(ChatKind.Direct, result.Chat.Kind);
            Assert.Null(result.Chat.Name);
            Assert.Null(result.Chat.OwnerId);
            Assert.Equal(new[] { a.Id, b.Id }.Order(), result.Chat.Members.Order());
            Assert.Equal(first.Chat.CreatedAt, result.Chat.CreatedAt);
        }

        Assert.Single(await Grains.GetGrain<IUserGrain>(a.Id).GetChats(), v => v.Chat.ChatId == chatId);
        Assert.Single(await Grains.GetGrain<IUserGrain>(b.Id).GetChats(), v => v.Chat.ChatId == chatId);
    }

    [Fact]
    public async Task DirectChatKeepsMessagesWhenEnsuredAgain()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateDirect(a, b);
        await chat.Send(a, "first");

        var again = await chat.EnsureDirect(b.Id, a.Id);

        Assert.False(again.Created);
        Assert.Equal(1, again.Chat.LastSeq);
        Assert.Single(await chat.History(b));
    }

    [Fact]
    public async Task DirectChatAddMembersIsForbidden()
    {
        var (a, b, c) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"), await Grains.CreateUser("c"));
        var (chat, _) = await Grains.CreateDirect(a, b);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.AddMembers(a.Id, [c.Id]));

        Assert.False(await chat.IsMember(c.Id));
        Assert.Equal(2, (await chat.GetInfo(a.Id)).MemberCount);
    }

    [Fact]
    public async Task DirectChatRemoveMemberIsForbidden()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateDirect(a, b);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(a.Id, b.Id));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(a.Id, a.Id));

        Assert.True(await chat.IsMember(a.Id));
        Assert.True(await chat.IsMember(b.Id));
    }

    [Fact]
    public async Task GroupCreatorIsOwnerAndMember()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (chat, info) = await Grains.CreateGroup(owner, member);

        Assert.Equal(ChatKind.Group, info.Kind);
        Assert.Equal(owner.Id, info.OwnerId);
        Assert.Equal([owner.Id, member.Id], info.Members);
        Assert.Equal(2, info.MemberCount);
        Assert.Equal(0, info.LastSeq);
        Assert.True(await chat.IsMember(owner.Id));
        Assert.True(await chat.IsMember(member.Id));

        var ownerView = await Grains.GetGrain<IUserGrain>(owner.Id).GetChat(info.ChatId);
        Assert.Equal(owner.Id, ownerView.Chat.OwnerId);
        Assert.Equal(info.Name, ownerView.Chat.Name);
    }

    [Fact]
    public async Task CreatorListedAmongMemberIdsIsStillOneMember()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (_, info) = await Grains.CreateGroup(owner, member, owner, member);

        Assert.Equal([owner.Id, member.Id], info.Members);
        Assert.Equal(2, info.MemberCount);
    }

    [Fact]
    public async Task CreatingGroupTwiceIsConflict()
    {
        var (owner, other) = (await Grains.CreateUser("owner"), await Grains.CreateUser("other"));
        var (chat, info) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.Conflict, () => chat.CreateGroup(other.Id, "takeover", []));

        var after = await chat.GetInfo(owner.Id);
        Assert.Equal(owner.Id, after.OwnerId);
        Assert.Equal(info.Name, after.Name);
        Assert.False(await chat.IsMember(other.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task GroupWithEmptyNameIsBadRequest(string name)
    {
        var owner = await Grains.CreateUser("owner");
        var chat = Grains.GetGrain<IChatGrain>(ChatIds.NewGroupId());

        await AssertChatError(ErrorCodes.BadRequest, () => chat.CreateGroup(owner.Id, name, []));

        await AssertChatError(ErrorCodes.NotFound, () => chat.GetInfo(owner.Id));
    }

    [Fact]
    public async Task CreatingGroupWithUnknownMemberIsNotFound()
    {
        var owner = await Grains.CreateUser("owner");
        var chat = Grains.GetGrain<IChatGrain>(ChatIds.NewGroupId());

        await AssertChatError(ErrorCodes.NotFound, () => chat.CreateGroup(owner.Id, "team", [ChatIds.NewUserId()]));

        await AssertChatError(ErrorCodes.NotFound, () => chat.GetInfo(owner.Id));
    }

    [Fact]
    public async Task AnyMemberCanAddMembers()
    {
        var (owner, member, newcomer) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"), await Grains.CreateUser("new"));
        var (chat, _) = await Grains.CreateGroup(owner, member);

        var info = await chat.AddMembers(member.Id, [newcomer.Id]);

        Assert.Equal([owner.Id, member.Id, newcomer.Id], info.Members);
        Assert.Equal(3, info.MemberCount);
        Assert.Equal(owner.Id, info.OwnerId);
        Assert.True(await chat.IsMember(newcomer.Id));
        await chat.Send(newcomer, "hi all");
    }

    [Fact]
    public async Task AddingExistingMemberChangesNothing()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (chat, _) = await Grains.CreateGroup(owner, member);

        var info = await chat.AddMembers(owner.Id, [member.Id, member.Id]);

        Assert.Equal([owner.Id, member.Id], info.Members);
    }

    [Fact]
    public async Task NonMemberAddingIsForbidden()
    {
        var (owner, outsider, friend) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"), await Grains.CreateUser("friend"));
        var (chat, _) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.AddMembers(outsider.Id, [outsider.Id, friend.Id]));

        Assert.False(await chat.IsMember(outsider.Id));
        Assert.False(await chat.IsMember(friend.Id));
    }

    [Fact]
    public async Task AddingUnknownUserIsNotFound()
    {
        var (owner, known) = (await Grains.CreateUser("owner"), await Grains.CreateUser("known"));
        var (chat, _) = await Grains.CreateGroup(owner);
        var unknown = ChatIds.NewUserId();

        await AssertChatError(ErrorCodes.NotFound, () => chat.AddMembers(owner.Id, [known.Id, unknown]));

        var info = await chat.GetInfo(owner.Id);
        Assert.Equal([owner.Id], info.Members);
        Assert.False(await chat.IsMember(unknown));
    }

    [Fact]
    public async Task AddedUserStartsWithNothingUnread()
    {
        var (owner, newcomer) = (await Grains.CreateUser("owner"), await Grains.CreateUser("new"));
        var (chat, info) = await Grains.CreateGroup(owner);
        await chat.SendMany(owner, 3);

        await chat.AddMembers(owner.Id, [newcomer.Id]);

        var view = await Grains.GetGrain<IUserGrain>(newcomer.Id).GetChat(info.ChatId);
        Assert.Equal(3, view.Chat.LastSeq);
        Assert.Equal(3, view.LastReadSeq);
        Assert.Equal(0, view.UnreadCount);
        var entry = Assert.Single(await Grains.GetGrain<IUserGrain>(newcomer.Id).GetChatEntries(), e => e.ChatId == info.ChatId);
        Assert.Equal(3, entry.JoinSeq);

        await chat.Send(owner, "after the join");
        Assert.Equal(1, (await Grains.GetGrain<IUserGrain>(newcomer.Id).GetChat(info.ChatId)).UnreadCount);
    }

    [Fact]
    public async Task AddingMemberPublishesMemberAddedOnChatStreamAndChatJoinedOnUserStream()
    {
        var (owner, newcomer) = (await Grains.CreateUser("owner"), await Grains.CreateUser("new"));
        var (chat, info) = await Grains.CreateGroup(owner);
        await using var chatEvents = await fixture.Client.SubscribeChat(info.ChatId);
        await using var userEvents = await fixture.Client.SubscribeUser(newcomer.Id);

        await chat.AddMembers(owner.Id, [newcomer.Id]);

        var added = await chatEvents.WaitFor<MemberAddedEvent>();
        Assert.Equal(new MemberAddedEvent(info.ChatId, newcomer.Id), added);
        var joined = await userEvents.WaitFor<ChatJoinedEvent>();
        Assert.Equal(info.ChatId, joined.Chat.Chat.ChatId);
        Assert.Contains(newcomer.Id, joined.Chat.Chat.Members);
    }

    [Fact]
    public async Task MemberRemovingAnotherMemberIsForbidden()
    {
        var (owner, a, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(owner, a, b);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(a.Id, b.Id));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(a.Id, owner.Id));

        Assert.Equal([owner.Id, a.Id, b.Id], (await chat.GetInfo(owner.Id)).Members);
    }

    [Fact]
    public async Task NonMemberRemovingIsForbidden()
    {
        var (owner, member, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(owner, member);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(outsider.Id, member.Id));

        Assert.True(await chat.IsMember(member.Id));
    }

    [Fact]
    public async Task OwnerCanRemoveAMember()
    {
        var (owner, a, b) = (await Grains.CreateUser("owner"), await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(owner, a, b);
        await using var chatEvents = await fixture.Client.SubscribeChat(info.ChatId);
        await using var removedUserEvents = await fixture.Client.SubscribeUser(a.Id);

        await chat.RemoveMember(owner.Id, a.Id);

        var after = await chat.GetInfo(owner.Id);
        Assert.Equal([owner.Id, b.Id], after.Members);
        Assert.Equal(owner.Id, after.OwnerId);
        Assert.False(await chat.IsMember(a.Id));
        Assert.Equal(new MemberRemovedEvent(info.ChatId, a.Id), await chatEvents.WaitFor<MemberRemovedEvent>());
        Assert.Equal(new ChatLeftEvent(a.Id, info.ChatId), await removedUserEvents.WaitFor<ChatLeftEvent>());
    }

    [Fact]
    public async Task RemovingNonMemberIsNotFound()
    {
        var (owner, outsider) = (await Grains.CreateUser("owner"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(owner);

        await AssertChatError(ErrorCodes.NotFound, () => chat.RemoveMember(owner.Id, outsider.Id));
    }

    [Fact]
    public async Task MemberCanLeave()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (chat, info) = await Grains.CreateGroup(owner, member);

        await chat.RemoveMember(member.Id, member.Id);

        Assert.False(await chat.IsMember(member.Id));
        var after = await chat.GetInfo(owner.Id);
        Assert.Equal([owner.Id], after.Members);
        Assert.Equal(owner.Id, after.OwnerId);
        Assert.DoesNotContain(await Grains.GetGrain<IUserGrain>(member.Id).GetChats(), v => v.Chat.ChatId == info.ChatId);
        Assert.DoesNotContain(await Grains.GetGrain<IUserGrain>(member.Id).GetChatEntries(), e => e.ChatId == info.ChatId);
    }

    [Fact]
    public async Task OwnerLeavingPassesOwnershipToEarliestRemainingMember()
    {
        var owner = await Grains.CreateUser("owner");
        var (x, y) = (await Grains.CreateUser("x"), await Grains.CreateUser("y"));
        // Listed against the ordinal order of the ids, so that the tie is broken by member_ids, not by id.
        var (first, second) = string.CompareOrdinal(x.Id, y.Id) > 0 ? (x, y) : (y, x);
        var late = await Grains.CreateUser("late");
        var (chat, _) = await Grains.CreateGroup(owner, first, second);
        await chat.AddMembers(second.Id, [late.Id]);

        await chat.RemoveMember(owner.Id, owner.Id);
        Assert.Equal(first.Id, (await chat.GetInfo(first.Id)).OwnerId);

        // The new owner may now remove others; the previous owner's rights are gone.
        await AssertChatError(ErrorCodes.Forbidden, () => chat.RemoveMember(second.Id, late.Id));

        await chat.RemoveMember(first.Id, first.Id);
        Assert.Equal(second.Id, (await chat.GetInfo(second.Id)).OwnerId);

        await chat.RemoveMember(second.Id, second.Id);
        var last = await chat.GetInfo(late.Id);
        Assert.Equal(late.Id, last.OwnerId);
        Assert.Equal([late.Id], last.Members);
    }

    [Fact]
    public async Task NewOwnerCanRemoveOthers()
    {
        var (owner, heir, other) = (await Grains.CreateUser("owner"), await Grains.CreateUser("heir"), await Grains.CreateUser("other"));
        var (chat, _) = await Grains.CreateGroup(owner, heir, other);

        await chat.RemoveMember(owner.Id, owner.Id);
        await chat.RemoveMember(heir.Id, other.Id);

        Assert.Equal([heir.Id], (await chat.GetInfo(heir.Id)).Members);
    }

    [Fact]
    public async Task RemovedMemberLosesAccessImmediately()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (chat, info) = await Grains.CreateGroup(owner, member);
        var sent = await chat.Send(member, "before removal");

        await chat.RemoveMember(owner.Id, member.Id);

        await AssertChatError(ErrorCodes.Forbidden, () => chat.Send(member, "still here?"));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.History(member));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.GetInfo(member.Id));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.Typing(member.Id, true));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.GetReplay(member.Id, 0, null, 50));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.Delete(member.Id, sent.MessageId));
        await AssertChatError(ErrorCodes.Forbidden, () => chat.AddMembers(member.Id, [member.Id]));
        await AssertChatError(ErrorCodes.Forbidden, () => Grains.GetGrain<IUserGrain>(member.Id).GetChat(info.ChatId));
        await AssertChatError(ErrorCodes.Forbidden, () => Grains.GetGrain<IUserGrain>(member.Id).MarkRead(info.ChatId, 1));
    }

    [Fact]
    public async Task RemovedMemberAddedAgainStartsAtTheNewLastSeq()
    {
        var (owner, member) = (await Grains.CreateUser("owner"), await Grains.CreateUser("member"));
        var (chat, info) = await Grains.CreateGroup(owner, member);
        await chat.SendMany(owner, 2);
        await chat.RemoveMember(owner.Id, member.Id);
        await chat.SendMany(owner, 3);

        await chat.AddMembers(owner.Id, [member.Id]);

        var view = await Grains.GetGrain<IUserGrain>(member.Id).GetChat(info.ChatId);
        Assert.Equal(5, view.LastReadSeq);
        Assert.Equal(0, view.UnreadCount);
        Assert.Equal([owner.Id, member.Id], view.Chat.Members);
    }
}
