using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

/// <summary>
/// A connection's sends handed to the chat together (IChatGrain.SendInOrder): seqs in the order
/// given even when a check in the middle must wait, a refusal answers only its own send, and a
/// key given twice is stored once.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainSendInOrderTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task SendsGetSeqsInTheOrderGivenEvenWhenOneInTheMiddleWaitsForACheck()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);
        var parent = await chat.Send(b, "parent");

        // A reply waits for the log to find its parent, an unknown @name for the username's grain:
        // the plain sends around them must not overtake them.
        var outcomes = await chat.SendInOrder(
        [
            Command(a, "one"),
            Command(a, "two, a reply", parentMessageId: parent.MessageId),
            Command(a, "three"),
            Command(a, $"four for @nobody{Guid.NewGuid():N}"[..30]),
            Command(a, "five"),
        ]);

        var stored = outcomes.Select(o => Assert.IsType<ChatMessage>(o.Message)).ToList();
        Assert.All(outcomes, o => Assert.Null(o.Refusal));
        Assert.Equal(Range(2, 6), stored.Seqs());
        Assert.Equal(["one", "two, a reply", "three"], stored.Take(3).Select(m => m.Text));
        Assert.Equal(parent.MessageId, stored[1].ParentMessageId);
        Assert.Equal(stored.Select(m => m.MessageId), (await chat.History(b)).Skip(1).Select(m => m.MessageId));
    }

    [Fact]
    public async Task ARefusedSendAnswersOnlyItselfAndTheOthersAreStoredGapless()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        var outcomes = await chat.SendInOrder(
        [
            Command(a, "first"),
            Command(a, "a reply to nothing", parentMessageId: "m_nosuchmessage"),
            SendMessageCommand.Refused(a.Id, "phone", "refused-at-edge", ChatException.BadRequest("A message needs text or media.")),
            new SendMessageCommand(a.Id, "phone", "bad-media", "with media", ["not-a-media-id"], null),
            Command(a, "last"),
        ]);

        Assert.Equal(1, outcomes[0].Message?.Seq);
        Assert.Equal(ErrorCodes.BadRequest, outcomes[1].Refusal?.Code);
        Assert.Equal(new SendRefusal(ErrorCodes.BadRequest, "A message needs text or media."), outcomes[2].Refusal);
        Assert.Equal(ErrorCodes.NotFound, outcomes[3].Refusal?.Code);
        Assert.Equal(2, outcomes[4].Message?.Seq);
        Assert.All(outcomes.Where(o => o.Refusal is not null), o => Assert.Null(o.Message));
        Assert.Equal(["first", "last"], (await chat.History(b)).Select(m => m.Text));
    }

    [Fact]
    public async Task AKeyGivenTwiceIsStoredOnceAndBothGetTheOriginal()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        var outcomes = await chat.SendInOrder(
        [
            Command(a, "original", clientMsgId: "twice"),
            Command(a, "other", clientMsgId: "between"),
            Command(a, "changed on the retry", clientMsgId: "twice"),
        ]);

        Assert.Equal(outcomes[0].Message, outcomes[2].Message);
        Assert.Equal("original", outcomes[2].Message?.Text);
        Assert.Equal(2, outcomes[1].Message?.Seq);
        Assert.Equal(2, await chat.GetLastSeq(a.Id));
    }

    [Fact]
    public async Task ANonMembersSendsAreAllForbidden()
    {
        var (a, b, stranger) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"), await Grains.CreateUser("s"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        var outcomes = await chat.SendInOrder([Command(stranger, "one"), Command(stranger, "two")]);

        Assert.All(outcomes, o => Assert.Equal(ErrorCodes.Forbidden, o.Refusal?.Code));
        Assert.Equal(0, await chat.GetLastSeq(a.Id));
    }
}
