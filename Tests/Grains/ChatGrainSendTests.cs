using ChatOrleans.Tests.Infrastructure;
using static ChatOrleans.Tests.Grains.GrainTestHelpers;

namespace ChatOrleans.Tests.Grains;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ChatGrainSendTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task SeqsAreOneTwoThreeInSendOrder()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);

        var first = await chat.Send(a, "one");
        var second = await chat.Send(b, "two");
        var third = await chat.Send(a, "three");

        Assert.Equal(new long[] { 1L, 2L, 3L }, new[] { first.Seq, second.Seq, third.Seq });
        Assert.Equal(3, new[] { first.MessageId, second.MessageId, third.MessageId }.Distinct().Count());
        Assert.Equal(info.ChatId, second.ChatId);
        Assert.Equal(b.Id, second.SenderId);
        Assert.Equal("phone", second.SenderDeviceId);
        Assert.Equal("two", second.Text);
        Assert.Null(second.ParentMessageId);
        Assert.Equal(3, await chat.GetLastSeq(a.Id));
        var history = await chat.History(b);
        Assert.Equal(Range(1, 3), history.Seqs());
        Assert.Equal(["one", "two", "three"], history.Select(m => m.Text));
        Assert.Equal(second, history[1]);
    }

    [Fact]
    public async Task ConcurrentSendsGetDistinctGaplessSeqsAndHistoryIsInOrder()
    {
        const int count = 200;
        var users = await Grains.CreateUsers(4, "sender");
        var (chat, _) = await Grains.CreateGroup(users[0], users[1..]);

        var commands = Enumerable.Range(0, count)
            .Select(i => Command(users[i % users.Length], $"message {i}", clientMsgId: $"c{i}"))
            .ToList();
        var sent = await Task.WhenAll(commands.Select(chat.Send));

        Assert.Equal(Range(1, count), sent.Select(m => m.Seq).Order().ToArray());
        Assert.Equal(count, sent.Select(m => m.MessageId).Distinct().Count());
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(commands[i].ClientMsgId, sent[i].ClientMsgId);
            Assert.Equal(commands[i].SenderId, sent[i].SenderId);
            Assert.Equal(commands[i].Text, sent[i].Text);
        }

        var history = await chat.History(users[2], limit: count);
        Assert.Equal(Range(1, count), history.Seqs());
        var bySeq = sent.ToDictionary(m => m.Seq);
        Assert.All(history, m => Assert.Equal(bySeq[m.Seq].MessageId, m.MessageId));
        Assert.Equal(count, await chat.GetLastSeq(users[0].Id));
    }

    [Fact]
    public async Task SecondSendWithSameClientIdReturnsOriginal()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        var original = await chat.Send(Command(a, "original", clientMsgId: "same-key"));
        var retry = await chat.Send(Command(a, "different content", clientMsgId: "same-key", device: "laptop"));
        var next = await chat.Send(a, "next");

        Assert.Equal(original.MessageId, retry.MessageId);
        Assert.Equal(original.Seq, retry.Seq);
        Assert.Equal("original", retry.Text);
        Assert.Equal("phone", retry.SenderDeviceId);
        Assert.Equal(2, next.Seq);
        var history = await chat.History(b);
        Assert.Equal(Range(1, 2), history.Seqs());
        Assert.Equal("original", history[0].Text);

        // Nothing new fanned out: the next message's event is the second and last message posted.
        await events.WaitFor<MessagesPosted>(e => e.Messages.Any(m => m.MessageId == next.MessageId));
        var posted = events.EventsOf<MessagesPosted>().SelectMany(e => e.Messages).ToList();
        Assert.Equal([original.MessageId, next.MessageId], posted.Select(m => m.MessageId));
    }

    [Fact]
    public async Task SameClientIdFromDifferentSenderIsDistinctMessage()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        var fromA = await chat.Send(Command(a, "from a", clientMsgId: "shared-key"));
        var fromB = await chat.Send(Command(b, "from b", clientMsgId: "shared-key"));

        Assert.NotEqual(fromA.MessageId, fromB.MessageId);
        Assert.Equal(1, fromA.Seq);
        Assert.Equal(2, fromB.Seq);
        Assert.Equal("from b", fromB.Text);
        Assert.Equal(2, (await chat.History(a)).Count);
    }

    [Fact]
    public async Task SameClientIdInDifferentChatsIsDistinctMessage()
    {
        var a = await Grains.CreateUser("a");
        var (chat1, _) = await Grains.CreateGroup(a);
        var (chat2, _) = await Grains.CreateGroup(a);

        var one = await chat1.Send(Command(a, "in one", clientMsgId: "key"));
        var two = await chat2.Send(Command(a, "in two", clientMsgId: "key"));

        Assert.NotEqual(one.MessageId, two.MessageId);
        Assert.Equal("in two", two.Text);
        Assert.Single(await chat2.History(a));
    }

    [Fact]
    public async Task ConcurrentDuplicatesWithSameKeyStoreOneMessage()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => chat.Send(Command(a, $"attempt {i}", clientMsgId: "racing-key"))));

        Assert.Single(results.Select(m => m.MessageId).Distinct());
        Assert.All(results, m => Assert.Equal(1, m.Seq));
        Assert.Single(await chat.History(b));
        Assert.Equal(1, await chat.GetLastSeq(a.Id));
        Assert.Equal(2, (await chat.Send(a, "next")).Seq);
    }

    [Fact]
    public async Task ConcurrentDuplicatesMixedWithOtherSendsStayGapless()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);

        // 10 keys, each sent 5 times, interleaved, from two senders.
        var commands = Enumerable.Range(0, 50)
            .Select(i => Command(i % 2 == 0 ? a : b, $"m{i}", clientMsgId: $"key{i % 10}"))
            .ToList();
        var results = await Task.WhenAll(commands.Select(chat.Send));

        var distinct = results.DistinctBy(m => m.MessageId).ToList();
        Assert.Equal(10, distinct.Count);
        Assert.Equal(Range(1, 10), distinct.Select(m => m.Seq).Order().ToArray());
        for (var i = 0; i < commands.Count; i++)
        {
            var sameKey = results.Where((_, j) => commands[j].SenderId == commands[i].SenderId && commands[j].ClientMsgId == commands[i].ClientMsgId);
            Assert.Single(sameKey.Select(m => m.MessageId).Distinct());
        }

        Assert.Equal(Range(1, 10), (await chat.History(a)).Seqs());
    }

    [Fact]
    public async Task DedupeSurvivesDeactivationAndSeqContinuesGapless()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        var sent = new List<ChatMessage>();
        for (var i = 1; i <= 3; i++)
        {
            sent.Add(await chat.Send(Command(a, $"message {i}", clientMsgId: $"key{i}")));
        }

        Assert.True(fixture.Cluster.TryGetGrainContext(chat.GetGrainId(), out var before));
        // The sends' follow-ups (the sender's read position, receipts) may call the chat again and
        // activate it anew at any moment: what matters is that the retry meets a new activation.
        await fixture.Cluster.DeactivateAsync(chat);

        var retry = await chat.Send(Command(a, "retried after a crash", clientMsgId: "key2"));
        Assert.True(fixture.Cluster.TryGetGrainContext(chat.GetGrainId(), out var after));
        Assert.NotSame(before, after);

        Assert.Equal(sent[1].MessageId, retry.MessageId);
        Assert.Equal(2, retry.Seq);
        Assert.Equal("message 2", retry.Text);
        Assert.Equal(3, await chat.GetLastSeq(a.Id));

        var next = await chat.Send(Command(a, "message 4", clientMsgId: "key4"));
        Assert.Equal(4, next.Seq);
        Assert.Equal(Range(1, 4), (await chat.History(b)).Seqs());
    }

    [Fact]
    public async Task ConcurrentRetriesAfterDeactivationStoreNothingNew()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var originals = new List<ChatMessage>();
        for (var i = 0; i < 5; i++)
        {
            originals.Add(await chat.Send(Command(a, $"m{i}", clientMsgId: $"k{i}")));
        }

        await fixture.Cluster.DeactivateAsync(chat);

        // The retries of all five and two new sends arrive together at the new activation.
        var retries = Enumerable.Range(0, 5).Select(i => chat.Send(Command(a, "again", clientMsgId: $"k{i}")));
        var fresh = Enumerable.Range(5, 2).Select(i => chat.Send(Command(a, $"m{i}", clientMsgId: $"k{i}")));
        var results = await Task.WhenAll(retries.Concat(fresh));

        Assert.Equal(originals.Select(m => m.MessageId), results.Take(5).Select(m => m.MessageId));
        Assert.Equal(new long[] { 6L, 7L }, results.Skip(5).Select(m => m.Seq).Order());
        Assert.Equal(Range(1, 7), (await chat.History(a)).Seqs());
    }

    [Fact]
    public async Task ReplyToUnknownParentIsBadRequest()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.Send(a, "root");

        await AssertChatError(ErrorCodes.BadRequest, () => chat.Send(a, "reply", parentMessageId: ChatIds.NewMessageId()));

        Assert.Single(await chat.History(a));
        Assert.Equal(1, await chat.GetLastSeq(a.Id));
    }

    [Fact]
    public async Task ReplyToMessageOfAnotherChatIsBadRequest()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var (other, _) = await Grains.CreateGroup(a);
        var elsewhere = await other.Send(a, "elsewhere");

        await AssertChatError(ErrorCodes.BadRequest, () => chat.Send(a, "reply", parentMessageId: elsewhere.MessageId));

        Assert.Empty(await chat.History(a));
    }

    [Fact]
    public async Task ThreadReplyStoresParentId()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);
        var root = await chat.Send(a, "root");

        var reply = await chat.Send(b, "reply", parentMessageId: root.MessageId);

        Assert.Equal(root.MessageId, reply.ParentMessageId);
        Assert.Equal(2, reply.Seq);
        var stored = (await chat.History(a)).Single(m => m.Seq == 2);
        Assert.Equal(root.MessageId, stored.ParentMessageId);
    }

    [Fact]
    public async Task MentionsAreMembersNamedInTextAndNotOthers()
    {
        var sender = await Grains.CreateUser("sender");
        var bob = await Grains.CreateUser("bob");
        var carol = await Grains.CreateUser("carol");
        var dave = await Grains.CreateUser("dave");
        var (chat, _) = await Grains.CreateGroup(sender, bob, carol);
        var bobUpper = bob.Username[0..1].ToUpperInvariant() + bob.Username[1..];
        var text = $"@{bobUpper} hi @{carol.Username}. @{dave.Username} @nobody_{Guid.NewGuid():N}";

        var message = await chat.Send(sender, text);

        Assert.Equal([bob.Id, carol.Id], message.Mentions);
        Assert.Equal(text, message.Text);
        var stored = Assert.Single(await chat.History(bob));
        Assert.Equal([bob.Id, carol.Id], stored.Mentions);
    }

    [Fact]
    public async Task RepeatedMentionIsListedOnce()
    {
        var (sender, bob) = (await Grains.CreateUser("sender"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateGroup(sender, bob);

        var message = await chat.Send(sender, $"@{bob.Username}, @{bob.Username.ToUpperInvariant()}!");

        Assert.Equal([bob.Id], message.Mentions);
    }

    [Fact]
    public async Task MentionOfNameClaimedAfterAnEarlierUnresolvedMentionResolves()
    {
        var sender = await Grains.CreateUser("sender");
        var (chat, _) = await Grains.CreateGroup(sender);
        var name = UniqueName("late");
        var early = await chat.Send(sender, $"has anyone seen @{name}?");
        Assert.Empty(early.Mentions);

        // The name is registered and its owner joins the chat afterwards.
        var lateUserId = ChatIds.NewUserId();
        Assert.True(await Grains.GetGrain<IUsernameGrain>(name).Claim(new AccountCredentials(lateUserId, "test-hash")));
        await Grains.GetGrain<IUserGrain>(lateUserId).Initialize(name, name);
        await chat.AddMembers(sender.Id, [lateUserId]);

        var later = await chat.Send(sender, $"welcome @{name}");

        Assert.Equal([lateUserId], later.Mentions);
    }

    [Fact]
    public async Task MentionOfMemberAddedAfterAnEarlierMentionResolves()
    {
        var (sender, bob) = (await Grains.CreateUser("sender"), await Grains.CreateUser("bob"));
        var (chat, _) = await Grains.CreateGroup(sender);
        Assert.Empty((await chat.Send(sender, $"@{bob.Username} is not here yet")).Mentions);

        await chat.AddMembers(sender.Id, [bob.Id]);

        Assert.Equal([bob.Id], (await chat.Send(sender, $"hi @{bob.Username}")).Mentions);
    }

    [Fact]
    public async Task RetryOfReplyWhoseParentWasDeletedReturnsOriginal()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, _) = await Grains.CreateGroup(a, b);
        var root = await chat.Send(a, "root");
        var reply = await chat.Send(Command(b, "reply", clientMsgId: "reply-key", parentMessageId: root.MessageId));
        await chat.Delete(a.Id, root.MessageId);

        var retry = await chat.Send(Command(b, "reply", clientMsgId: "reply-key", parentMessageId: root.MessageId));

        Assert.Equal(reply.MessageId, retry.MessageId);
        Assert.Equal(2, retry.Seq);
        Assert.Equal(2, await chat.GetLastSeq(a.Id));
    }

    [Fact]
    public async Task TypingByMemberPublishesTypingEvent()
    {
        var (a, b) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"));
        var (chat, info) = await Grains.CreateGroup(a, b);
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        await chat.Typing(b.Id, true);
        await chat.Typing(b.Id, false);

        Assert.Equal(new TypingEvent(info.ChatId, b.Id, true), await events.WaitFor<TypingEvent>(e => e.Started));
        Assert.Equal(new TypingEvent(info.ChatId, b.Id, false), await events.WaitFor<TypingEvent>(e => !e.Started));
    }

    [Fact]
    public async Task SendingMovesSendersReadPosition()
    {
        var (a, b, c) = (await Grains.CreateUser("a"), await Grains.CreateUser("b"), await Grains.CreateUser("c"));
        var (chat, info) = await Grains.CreateGroup(a, b, c);
        await chat.SendMany(b, 2);
        await using var events = await fixture.Client.SubscribeUser(a.Id);
        Assert.Equal(0, (await Grains.GetGrain<IUserGrain>(a.Id).GetChat(info.ChatId)).LastReadSeq);

        var sent = await chat.Send(a, "mine");

        var readState = await events.WaitFor<ReadStateEvent>(e => e.State.ChatId == info.ChatId && e.State.LastReadSeq == sent.Seq);
        Assert.Equal(0, readState.State.UnreadCount);
        var view = await Grains.GetGrain<IUserGrain>(a.Id).GetChat(info.ChatId);
        Assert.Equal(3, view.LastReadSeq);
        Assert.Equal(0, view.UnreadCount);
        // A member who only received did not move.
        var other = await Grains.GetGrain<IUserGrain>(c.Id).GetChat(info.ChatId);
        Assert.Equal(0, other.LastReadSeq);
        Assert.Equal(3, other.UnreadCount);
    }

    [Fact]
    public async Task SendPublishesMessagesPostedOnChatStream()
    {
        var a = await Grains.CreateUser("a");
        var (chat, info) = await Grains.CreateGroup(a);
        await using var events = await fixture.Client.SubscribeChat(info.ChatId);

        var sent = await chat.Send(a, "hello stream");

        var posted = await events.WaitFor<MessagesPosted>();
        Assert.Equal(info.ChatId, posted.ChatId);
        Assert.Equal(sent, Assert.Single(posted.Messages));
    }

    [Fact]
    public async Task HistoryWithoutCursorReturnsTheLatestPage()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.SendMany(a, 10);

        Assert.Equal(Range(1, 10), (await chat.History(a)).Seqs());
        Assert.Equal(Range(8, 10), (await chat.History(a, limit: 3)).Seqs());
    }

    [Fact]
    public async Task HistoryBeforeSeqReturnsTheLatestPageBelowIt()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.SendMany(a, 10);

        Assert.Equal(Range(3, 4), (await chat.History(a, beforeSeq: 5, limit: 2)).Seqs());
        Assert.Equal(Range(1, 4), (await chat.History(a, beforeSeq: 5)).Seqs());
        Assert.Empty(await chat.History(a, beforeSeq: 1));
    }

    [Fact]
    public async Task HistoryAfterSeqReturnsTheFirstPageAboveIt()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.SendMany(a, 10);

        Assert.Equal(Range(6, 7), (await chat.History(a, afterSeq: 5, limit: 2)).Seqs());
        Assert.Equal(Range(6, 10), (await chat.History(a, afterSeq: 5)).Seqs());
        Assert.Empty(await chat.History(a, afterSeq: 10));
    }

    [Fact]
    public async Task HistoryWithBothCursorsReturnsTheFirstPageOfTheWindowBetweenThem()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await chat.SendMany(a, 10);

        Assert.Equal(Range(3, 5), (await chat.History(a, beforeSeq: 9, afterSeq: 2, limit: 3)).Seqs());
        // PROTOCOL.md: "the first limit messages above after_seq and below before_seq".
        Assert.Equal(Range(7, 8), (await chat.History(a, beforeSeq: 9, afterSeq: 6, limit: 10)).Seqs());
    }

    [Fact]
    public async Task HistoryLimitIsClampedTo200()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        await Task.WhenAll(Enumerable.Range(0, 205).Select(i => chat.Send(a, $"m{i}")));

        Assert.Equal(Range(6, 205), (await chat.History(a, limit: 1000)).Seqs());
        Assert.Equal(Range(156, 205), (await chat.History(a)).Seqs());
    }

    [Fact]
    public async Task HistoryLeavesOutDeletedMessagesAndDoesNotCountThem()
    {
        var a = await Grains.CreateUser("a");
        var (chat, _) = await Grains.CreateGroup(a);
        var sent = await chat.SendMany(a, 8);
        foreach (var seq in new[] { 3, 7, 8 })
        {
            await chat.Delete(a.Id, sent[seq - 1].MessageId);
        }

        Assert.Equal(new long[] { 1L, 2L, 4L, 5L, 6L }, (await chat.History(a)).Seqs());
        Assert.Equal(new long[] { 5L, 6L }, (await chat.History(a, limit: 2)).Seqs());
        Assert.Equal(new long[] { 2L, 4L }, (await chat.History(a, beforeSeq: 5, limit: 2)).Seqs());
        Assert.Equal(new long[] { 4L, 5L }, (await chat.History(a, afterSeq: 2, limit: 2)).Seqs());
        Assert.Equal(new long[] { 6L }, (await chat.History(a, afterSeq: 5, limit: 5)).Seqs());
        // Deleted messages keep their seq: the next send does not reuse it.
        Assert.Equal(9, (await chat.Send(a, "after deletions")).Seq);
    }
}
