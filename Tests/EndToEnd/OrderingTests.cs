using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>Invariants 2 and 3: one gapless order per chat, seen identically and once by every device.</summary>
[Trait("Category", "Integration")]
public sealed class OrderingTests(UnthrottledGatewayFixture fixture) : IClassFixture<UnthrottledGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task TwoConcurrentSendersGetOneGaplessOrderThatEveryDeviceSeesIdenticallyAndOnce()
    {
        const int perSender = 100;
        const int total = 2 * perSender;
        var (alice, bob, carol) = await ThreeUsersAsync();
        var group = await alice.Api.CreateGroupAsync("ordering", [bob.UserId, carol.UserId]);
        var chatId = group.ChatId;

        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await using var carolPhone = await E2E.ConnectAsync(BaseUri, carol, "phone");
        await using var carolTablet = await E2E.ConnectAsync(BaseUri, carol, "tablet");
        ChatConnection[] devices = [alicePhone, aliceLaptop, bobPhone, carolPhone, carolTablet];

        // Both senders fire everything at once; the chat interleaves the two streams.
        var aliceSends = E2E.FireSends(alicePhone, chatId, "a", perSender);
        var bobSends = E2E.FireSends(bobPhone, chatId, "b", perSender);
        var aliceAcked = await Task.WhenAll(aliceSends).WaitAsync(TimeSpan.FromSeconds(60));
        var bobAcked = await Task.WhenAll(bobSends).WaitAsync(TimeSpan.FromSeconds(60));

        // Each connection's sends got seqs in the order sent.
        AssertStrictlyIncreasing(aliceAcked.Select(m => m.Seq).ToList(), "alice's acks in send order");
        AssertStrictlyIncreasing(bobAcked.Select(m => m.Seq).ToList(), "bob's acks in send order");
        Assert.Equal(Enumerable.Range(1, perSender).Select(i => $"a-{i}"), aliceAcked.Select(m => m.ClientMsgId));
        Assert.Equal(Enumerable.Range(1, perSender).Select(i => $"b-{i}"), bobAcked.Select(m => m.ClientMsgId));

        // Together the acks are 1..N, no gap, no repeat.
        var acked = aliceAcked.Concat(bobAcked).OrderBy(m => m.Seq).ToList();
        E2E.AssertRange(acked.Select(m => m.Seq).ToList(), 1, total, "acked seqs");
        var ackedIds = acked.Select(m => m.MessageId).ToList();
        Assert.Equal(total, ackedIds.Distinct().Count());

        foreach (var device in devices)
        {
            await E2E.WaitForSeqAsync(device, chatId, total);
            await E2E.MarkerAsync(device);
            var seen = E2E.MessagesOf(device, chatId);
            E2E.AssertRange(seen.Select(m => m.Seq).ToList(), 1, total, $"new_message on {device}");
            Assert.Equal(ackedIds, seen.Select(m => m.MessageId).ToList());
            Assert.Equal(acked.Select(m => m.Text), seen.Select(m => m.Text));
            Assert.All(E2E.ReplayedFrames(device), f => Assert.IsNotType<NewMessageEvent>(f));
        }

        // History, over HTTP and over the socket, holds the same order.
        var history = await alice.Api.GetMessagesAsync(chatId, limit: 200);
        Assert.Equal(ackedIds, history.Select(m => m.MessageId).ToList());
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, total, "HTTP history");
        var carolHistory = await carol.Api.GetMessagesAsync(chatId, afterSeq: 0, limit: 200);
        Assert.Equal(ackedIds, carolHistory.Select(m => m.MessageId).ToList());
        var socketHistory = await bobPhone.FetchHistoryAsync(chatId, afterSeq: 0, limit: 200);
        Assert.Equal(ackedIds, socketHistory.Select(m => m.MessageId).ToList());

        var chat = await carol.Api.GetChatAsync(chatId);
        Assert.Equal(total, chat.LastSeq);
    }

    [Fact]
    public async Task ConcurrentSendersProduceOneOrderThatHistoryPagesReproduceForwardAndBackward()
    {
        // History is read back in pages of 30, with after_seq forward and before_seq backward.
        const int perSender = 40;
        const int total = 2 * perSender;
        var (alice, bob, carol) = await ThreeUsersAsync();
        var group = await alice.Api.CreateGroupAsync("paged", [bob.UserId, carol.UserId]);
        var chatId = group.ChatId;

        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await using var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop");
        await using var carolPhone = await E2E.ConnectAsync(BaseUri, carol, "phone");

        var sends = E2E.FireSends(alicePhone, chatId, "a", perSender).Concat(E2E.FireSends(bobPhone, chatId, "b", perSender)).ToList();
        var acked = (await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60))).OrderBy(m => m.Seq).ToList();
        E2E.AssertRange(acked.Select(m => m.Seq).ToList(), 1, total, "acked seqs");

        foreach (var device in new[] { alicePhone, bobPhone, bobLaptop, carolPhone })
        {
            await E2E.WaitForSeqAsync(device, chatId, total);
            await E2E.MarkerAsync(device);
            Assert.Equal(acked.Select(m => m.MessageId), E2E.MessagesOf(device, chatId).Select(m => m.MessageId));
        }

        var forward = new List<Message>();
        long after = 0;
        while (true)
        {
            var page = await carol.Api.GetMessagesAsync(chatId, afterSeq: after, limit: 30);
            if (page.Count == 0)
            {
                break;
            }

            forward.AddRange(page);
            after = page[^1].Seq;
        }

        var backward = new List<Message>();
        long? before = null;
        while (true)
        {
            var page = await carol.Api.GetMessagesAsync(chatId, beforeSeq: before, limit: 30);
            if (page.Count == 0)
            {
                break;
            }

            backward.InsertRange(0, page);
            before = page[0].Seq;
        }

        Assert.Equal(acked.Select(m => m.MessageId), forward.Select(m => m.MessageId));
        Assert.Equal(acked.Select(m => m.MessageId), backward.Select(m => m.MessageId));
    }

    [Fact]
    public async Task AReconnectWhoseReplaySpansSeveralPagesWhileTwoSendersKeepSendingDeliversEachMessageOnceInOrder()
    {
        const int before = 250;
        const int during = 2 * 75;
        var (alice, bob, carol) = await ThreeUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("long-replay", [bob.UserId, carol.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        // Carol's tablet connects once (position 0) and goes away.
        var tablet = await E2E.ConnectAsync(BaseUri, carol, "tablet");
        await tablet.CloseAsync();
        await tablet.DisposeAsync();

        var first = await Task.WhenAll(E2E.FireSends(alicePhone, chatId, "old", before)).WaitAsync(TimeSpan.FromSeconds(60));
        E2E.AssertRange(first.Select(m => m.Seq).ToList(), 1, before, "acks before the reconnect");

        // More than one replay page is waiting; the tablet comes back while both senders keep going.
        var sends = E2E.FireSends(alicePhone, chatId, "a", during / 2).Concat(E2E.FireSends(bobPhone, chatId, "b", during / 2)).ToList();
        await Task.WhenAny(sends).WaitAsync(E2E.Timeout);
        await using var tabletAgain = await E2E.ConnectAsync(BaseUri, carol, "tablet");
        var acked = first.Concat(await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60))).OrderBy(m => m.Seq).ToList();
        E2E.AssertRange(acked.Select(m => m.Seq).ToList(), 1, before + during, "all acks");

        await E2E.WaitForSeqAsync(tabletAgain, chatId, before + during);
        await E2E.MarkerAsync(tabletAgain);
        var seen = E2E.MessagesOf(tabletAgain, chatId);
        E2E.AssertRange(seen.Select(m => m.Seq).ToList(), 1, before + during, "the tablet's new_message");
        Assert.Equal(acked.Select(m => m.MessageId), seen.Select(m => m.MessageId));
        var replay = E2E.ReplayedFrames(tabletAgain);
        Assert.True(replay.Count >= before, $"only {replay.Count} frames replayed");
        Assert.Equal(replay.Count, (await tabletAgain.SyncDone).Replayed);
    }

    private async Task<(TestUser Alice, TestUser Bob, TestUser Carol)> ThreeUsersAsync()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 3);
        return (users[0], users[1], users[2]);
    }

    private static void AssertStrictlyIncreasing(List<long> seqs, string what)
    {
        for (var i = 1; i < seqs.Count; i++)
        {
            Assert.True(seqs[i] > seqs[i - 1], $"{what}: seq {seqs[i]} after {seqs[i - 1]} in [{string.Join(",", seqs)}]");
        }
    }
}
