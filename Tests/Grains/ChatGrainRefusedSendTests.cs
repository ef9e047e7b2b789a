using ChatOrleans.Tests.Infrastructure;
using Orleans.Core.Internal;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

/// <summary>
/// A send the edge refused still reaches the chat, which alone knows what it stored: a retry of a
/// stored message gets the original, anything else gets the edge's refusal.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainRefusedSendTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task ARefusedRetryOfAStoredMessageGetsTheOriginal()
    {
        var (alice, bob) = (await Grains.CreateUser("alice"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateDirect(alice, bob);
        var original = await chat.Send(alice, "first", clientMsgId: "c1");

        var retried = await chat.Send(Refused(alice, "c1", ChatException.BadRequest("A message needs text or media.")));

        Assert.Equal(original, retried);
        Assert.Equal(1, await chat.GetLastSeq(alice.Id));
    }

    [Fact]
    public async Task ARefusedRetryAfterDeactivationGetsTheOriginalFromTheLog()
    {
        var (alice, bob) = (await Grains.CreateUser("alice"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateDirect(alice, bob);
        var original = await chat.Send(alice, "first", clientMsgId: "c1");
        await chat.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        var retried = await chat.Send(Refused(alice, "c1", new ChatException(ErrorCodes.TooLarge, "text may hold at most 16000 characters.")));

        Assert.Equal(original, retried);
        Assert.Equal(1, await chat.GetLastSeq(alice.Id));
    }

    [Fact]
    public async Task ARefusedNewSendGetsTheRefusalAndStoresNothing()
    {
        var (alice, bob) = (await Grains.CreateUser("alice"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateDirect(alice, bob);
        await chat.Send(alice, "first", clientMsgId: "c1");

        var refused = await AssertChatError(
            ErrorCodes.TooLarge,
            () => chat.Send(Refused(alice, "c2", new ChatException(ErrorCodes.TooLarge, "text may hold at most 16000 characters."))));

        Assert.Equal("text may hold at most 16000 characters.", refused.Message);
        Assert.Equal(1, await chat.GetLastSeq(alice.Id));

        // The same key sent again with valid content is a new message.
        Assert.Equal(2, (await chat.Send(alice, "now valid", clientMsgId: "c2")).Seq);
    }

    [Fact]
    public async Task AnotherSendersStoredKeyDoesNotAnswerARefusedSend()
    {
        var (alice, bob) = (await Grains.CreateUser("alice"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateDirect(alice, bob);
        await chat.Send(alice, "alice's", clientMsgId: "c1");

        await AssertChatError(ErrorCodes.BadRequest, () => chat.Send(Refused(bob, "c1", ChatException.BadRequest("A message needs text or media."))));
    }

    [Fact]
    public async Task ARefusedSendOfANonMemberIsForbiddenAndOfAnUnknownChatNotFound()
    {
        var (alice, bob, eve) = (await Grains.CreateUser("alice"), await Grains.CreateUser("bob"), await Grains.CreateUser("eve"));
        var (chat, _) = await Grains.CreateDirect(alice, bob);
        await chat.Send(alice, "first", clientMsgId: "c1");

        await AssertChatError(ErrorCodes.Forbidden, () => chat.Send(Refused(eve, "c1", ChatException.BadRequest("bad"))));
        await AssertChatError(
            ErrorCodes.NotFound,
            () => Grains.GetGrain<IChatGrain>(ChatIds.NewGroupId()).Send(Refused(alice, "c1", ChatException.BadRequest("bad"))));
    }

    private static SendMessageCommand Refused(TestUser sender, string clientMsgId, ChatException refusal) =>
        SendMessageCommand.Refused(sender.Id, "phone", clientMsgId, refusal);
}
