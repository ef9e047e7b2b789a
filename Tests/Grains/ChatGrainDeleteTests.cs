using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainDeleteTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task OnlySenderCanDelete()
    {
        var (owner, sender) = (await Grains.CreateUser("owner"), await Grains.CreateUser("sender"));
        var (chat, _) = await Grains.CreateGroup(owner, sender);
        var message = await chat.Send(sender, "mine");

        // Not even the group's owner deletes someone else's message.
        await AssertChatError(ErrorCodes.Forbidden, () => chat.Delete(owner.Id, message.MessageId));

        Assert.Equal(message.MessageId, Assert.Single(await chat.History(owner)).MessageId);

        await chat.Delete(sender.Id, message.MessageId);
        Assert.Empty(await chat.History(owner));
    }

    [Fact]
    public async Task NonMemberDeleteIsForbidden()
    {
        var (sender, outsider) = (await Grains.CreateUser("sender"), await Grains.CreateUser("outsider"));
        var (chat, _) = await Grains.CreateGroup(sender);
        var message = await chat.Send(sender, "mine");

        await AssertChatError(ErrorCodes.Forbidden, () => chat.Delete(outsider.Id, message.MessageId));

        Assert.Single(await chat.History(sender));
    }

    [Fact]
    public async Task DeletingUnknownMessageIsNotFound()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.Send(a, "exists");

        await AssertChatError(ErrorCodes.NotFound, () => chat.Delete(a.Id, ChatIds.NewMessageId()));
    }

    [Fact]
    public async Task DeletingMessageOfAnotherChatIsNotFound()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var (other, _) = await Grains.CreateGroup(a);
        var elsewhere = await other.Send(a, "elsewhere");

        await AssertChatError(ErrorCodes.NotFound, () => chat.Delete(a.Id, elsewhere.MessageId));

        Assert.Single(await other.History(a));
    }

    [Fact]
    public async Task DeletePublishesMessageDeletedEventOnChatStream()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await chat.Send(a, "first");
        var message = await chat.Send(a, "second");
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        await chat.Delete(a.Id, message.MessageId);

        var deleted = await events.WaitFor<MessageDeletedEvent>();
        Assert.Equal(new MessageDeletedEvent(info.ChatId, message.MessageId, 2), deleted);
    }

    [Fact]
    public async Task DeletingTwiceSucceedsAndPublishesOnce()
    {
        var a = await Grains.CreateUser("a");
        var (chat, info) = await Grains.CreateGroup(a);
        var message = await chat.Send(a, "oops");
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        await chat.Delete(a.Id, message.MessageId);
        await chat.Delete(a.Id, message.MessageId);
        var marker = await chat.Send(a, "marker");

        // Events of one chat arrive in order: once the marker is here, any second deletion would be too.
        await events.WaitFor<MessagesPosted>(e => e.Messages.Any(m => m.MessageId == marker.MessageId));
        Assert.Single(events.EventsOf<MessageDeletedEvent>());
        Assert.Equal(new long[] { 2L }, (await chat.History(a)).Seqs());
    }

    [Fact]
    public async Task DeletedMessageLeavesHistoryAndReplay()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);
        var sent = await chat.SendMany(a, 3);

        await chat.Delete(a.Id, sent[1].MessageId);

        Assert.Equal(new long[] { 1L, 3L }, (await chat.History(b)).Seqs());
        var replay = await chat.GetReplay(b.Id, 0, null, 50);
        Assert.Equal(new long[] { 1L, 3L }, replay.Messages.Seqs());
        Assert.Equal(3, replay.LastSeq);
        Assert.False(replay.HasMore);
        Assert.Empty(replay.Deleted);
        var fromOne = await chat.GetReplay(b.Id, 1, DateTimeOffset.MinValue, 50);
        Assert.Equal(new long[] { 3L }, fromOne.Messages.Seqs());
    }

    [Fact]
    public async Task ReplayListsDeletionForPositionAtOrAboveItOnly()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var sent = await chat.SendMany(a, 4);
        var beforeDeletion = DateTimeOffset.UtcNow;

        await chat.Delete(a.Id, sent[1].MessageId);
        var afterDeletion = DateTimeOffset.UtcNow;

        // Position exactly at the deleted message: listed.
        var atIt = await chat.GetReplay(b.Id, 2, beforeDeletion, 50);
        var listed = Assert.Single(atIt.Deleted);
        Assert.Equal(info.ChatId, listed.ChatId);
        Assert.Equal(sent[1].MessageId, listed.MessageId);
        Assert.Equal(2, listed.Seq);
        Assert.InRange(listed.DeletedAt, beforeDeletion, afterDeletion);
        Assert.Equal(new long[] { 3L, 4L }, atIt.Messages.Seqs());

        // Position above it: listed.
        var above = await chat.GetReplay(b.Id, 4, beforeDeletion, 50);
        Assert.Equal(sent[1].MessageId, Assert.Single(above.Deleted).MessageId);
        Assert.Empty(above.Messages);

        // Position below it: not listed, and the message itself is not replayed either.
        var below = await chat.GetReplay(b.Id, 1, beforeDeletion, 50);
        Assert.Empty(below.Deleted);
        Assert.Equal(new long[] { 3L, 4L }, below.Messages.Seqs());

        // The deletion happened before the connection the device compares with: not listed.
        Assert.Empty((await chat.GetReplay(b.Id, 4, afterDeletion.AddTicks(1), 50)).Deleted);
        // A first connection passes no time: nothing listed.
        Assert.Empty((await chat.GetReplay(b.Id, 4, null, 50)).Deleted);
    }

    [Fact]
    public async Task ReplayListsDeletionAfterReactivation()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var sent = await chat.SendMany(a, 2);
        var beforeDeletion = DateTimeOffset.UtcNow;
        await chat.Delete(a.Id, sent[0].MessageId);

        await fixture.Cluster.DeactivateAsync(chat);

        var replay = await chat.GetReplay(a.Id, 2, beforeDeletion, 50);
        Assert.Equal(sent[0].MessageId, Assert.Single(replay.Deleted).MessageId);
        Assert.Equal(new long[] { 2L }, (await chat.History(a)).Seqs());
    }

    [Fact]
    public async Task ReplayPagesMessagesAbovePosition()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.SendMany(a, 5);

        var first = await chat.GetReplay(a.Id, 1, null, 2);
        Assert.Equal(new long[] { 2L, 3L }, first.Messages.Seqs());
        Assert.True(first.HasMore);
        var last = await chat.GetReplay(a.Id, 3, null, 2);
        Assert.Equal(new long[] { 4L, 5L }, last.Messages.Seqs());
        Assert.Equal(5, last.LastSeq);
        var none = await chat.GetReplay(a.Id, 5, null, 2);
        Assert.Empty(none.Messages);
        Assert.False(none.HasMore);
    }

    [Fact]
    public async Task ResendingDeletedMessagesClientIdStoresNothingNew()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var original = await chat.Send(Command(a, "regret", clientMsgId: "key"));
        await chat.Delete(a.Id, original.MessageId);

        var retry = await chat.Send(Command(a, "regret", clientMsgId: "key"));

        Assert.Equal(original.MessageId, retry.MessageId);
        Assert.Equal(1, retry.Seq);
        Assert.Empty(await chat.History(a));
        Assert.Equal(1, await chat.GetLastSeq(a.Id));
    }

    [Fact]
    public async Task ResendingDeletedMessagesClientIdAfterDeactivationStoresNothingNew()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var original = await chat.Send(Command(a, "regret", clientMsgId: "key"));
        await chat.Delete(a.Id, original.MessageId);
        await fixture.Cluster.DeactivateAsync(chat);

        var retry = await chat.Send(Command(a, "regret", clientMsgId: "key"));

        Assert.Equal(original.MessageId, retry.MessageId);
        Assert.Equal(1, retry.Seq);
        Assert.Empty(await chat.History(a));
        Assert.Equal(2, (await chat.Send(a, "new")).Seq);
    }

    [Fact]
    public async Task DeletingTheNewestMessageUpdatesTheChatsLastMessage()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var sent = await chat.SendMany(a, 2);

        await chat.Delete(a.Id, sent[1].MessageId);

        var view = await Grains.GetGrain<IUserGrain>(b.Id).GetChat(info.ChatId);
        Assert.Equal(sent[0].MessageId, view.LastMessage?.MessageId);
        Assert.Equal(1, view.UnreadCount);
    }
}
