using System.Net;
using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

using ErrorCodes = ChatOrleans.Client.ErrorCodes;
using MessageDeletedEvent = ChatOrleans.Client.MessageDeletedEvent;
using ReadStateEvent = ChatOrleans.Client.ReadStateEvent;
using ReceiptEvent = ChatOrleans.Client.ReceiptEvent;
using TypingEvent = ChatOrleans.Client.TypingEvent;

/// <summary>Invariant 5 (deletion, live and at reconnect) and invariant 7 (only members see a chat's events).</summary>
[Trait("Category", "Integration")]
public sealed class DeletionVisibilityTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task AMessageDeletedBeforeTheOfflineDeviceReceivedItNeverReachesItAtReconnect()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("deleted-unseen", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "seen", 2);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 2);
        await bobPhone.DeliveredAsync(chatId, 2);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        var offline = await E2E.SendSequentiallyAsync(alicePhone, chatId, "offline", 3); // seqs 3, 4, 5
        await alicePhone.DeleteMessageAsync(chatId, offline[1].MessageId);

        // Once alice's device has the live event, the gateway has fanned it out: bob's new
        // socket cannot pick it up late (that race has its own test below).
        await E2E.WaitForDeletionAsync(alicePhone, chatId, offline[1].MessageId);

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.Equal([3L, 5L], replay.OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
        Assert.Empty(replay.OfType<MessageDeletedEvent>());
        Assert.Equal(2, (await bobAgain.SyncDone).Replayed);

        // Nothing about seq 4 follows later either: a later message is the marker.
        await alicePhone.SendMessageAsync(chatId, "marker", "marker");
        await E2E.WaitForSeqAsync(bobAgain, chatId, 6);
        await E2E.MarkerAsync(bobAgain);
        Assert.Equal([3L, 5L, 6L], E2E.SeqsOf(bobAgain, chatId));
        Assert.DoesNotContain(bobAgain.Received, e => e is MessageDeletedEvent);
        Assert.DoesNotContain(E2E.MessagesOf(bobAgain, chatId), m => m.MessageId == offline[1].MessageId);
    }

    [Fact]
    public async Task AMessageSentAndDeletedBeforeADeviceReconnectsNeverReachesItLateThroughTheLiveStream()
    {
        // Stream events reach the gateway some time after they were published (here: at the
        // next poll of Orleans' memory streams, up to a second later; the default provider does
        // not poll). Events about things that happened before a device connected must not pass
        // as live events to its new socket.
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["EventStreams:Provider"] = "Memory",
            ["EventStreams:PollPeriod"] = "00:00:01",
        });
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("slow-stream", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone");
        await using var bobLaptop = await E2E.ConnectAsync(gateway.BaseUri, bob, "laptop");

        var bobPhone = await E2E.ConnectAsync(gateway.BaseUri, bob, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "seen", 2);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 2);
        await bobPhone.DeliveredAsync(chatId, 2);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        // A typing event only travels by the stream: when bob's laptop sees it, the stream was
        // just polled, so what follows is fanned out about a second later.
        await alicePhone.TypingAsync(chatId, TypingStates.Start);
        await bobLaptop.WaitForAsync<TypingEvent>(e => e.ChatId == chatId && e.State == TypingStates.Start, E2E.Timeout);

        // Sent and deleted (both acked) before bob's phone is back; its position (2) is below seq 3.
        var unseen = await alicePhone.SendMessageAsync(chatId, "unseen", "deleted before bob is back");
        await alicePhone.DeleteMessageAsync(chatId, unseen.MessageId);
        await using var bobAgain = await E2E.ConnectAsync(gateway.BaseUri, bob, "phone");
        Assert.Empty(E2E.ReplayedFrames(bobAgain));

        // Events of one chat reach a socket in order: the marker comes after anything about seq 3.
        var marker = await alicePhone.SendMessageAsync(chatId, "marker", "marker");
        await E2E.WaitForSeqAsync(bobAgain, chatId, marker.Seq);
        await E2E.MarkerAsync(bobAgain);
        var leaked = bobAgain.Received.Where(e => e switch
        {
            NewMessageEvent n => n.Message.MessageId == unseen.MessageId,
            MessageDeletedEvent d => d.MessageId == unseen.MessageId,
            _ => false,
        });
        Assert.True(
            !leaked.Any(),
            $"bob's phone learnt of seq 3, deleted before it acknowledged it: [{E2E.Describe(bobAgain.Received)}]");
        Assert.Equal([4L], E2E.SeqsOf(bobAgain, chatId));
    }

    [Fact]
    public async Task AMessageReceivedButNotAcknowledgedAndDeletedWhileOfflineIsNeitherReplayedNorAnnounced()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("deleted-unacked", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 3);
        await bobPhone.DeliveredAsync(chatId, 1);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        await alicePhone.DeleteMessageAsync(chatId, sent[1].MessageId);

        // Position 1: seq 3 comes again, seq 2 (deleted above the position) does not, in any form.
        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.Equal([3L], replay.OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
        Assert.Empty(replay.OfType<MessageDeletedEvent>());
        Assert.Equal(1, (await bobAgain.SyncDone).Replayed);
    }

    [Fact]
    public async Task AnAcknowledgedMessageDeletedWhileTheDeviceWasOfflineProducesMessageDeletedAtReconnect()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("deleted-acked", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 3);
        await bobPhone.DeliveredAsync(chatId, 3);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        await alicePhone.DeleteMessageAsync(chatId, sent[1].MessageId);

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        var deleted = Assert.Single(replay.OfType<MessageDeletedEvent>());
        Assert.Equal(new MessageDeletedEvent(chatId, sent[1].MessageId, 2), deleted);
        Assert.Empty(replay.OfType<NewMessageEvent>());
        Assert.Equal(replay.Count, (await bobAgain.SyncDone).Replayed);

        var history = await bob.Api.GetMessagesAsync(chatId);
        Assert.Equal([1L, 3L], history.Select(m => m.Seq).ToList());
    }

    [Fact]
    public async Task ALiveDeletionReachesEveryConnectedDeviceOfEveryMemberAndLeavesHistory()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 3);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var chatId = (await alice.Api.CreateGroupAsync("live-delete", [bob.UserId, carol.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await using var carolPhone = await E2E.ConnectAsync(BaseUri, carol, "phone");
        await using var carolTablet = await E2E.ConnectAsync(BaseUri, carol, "tablet");
        ChatConnection[] devices = [alicePhone, aliceLaptop, bobPhone, carolPhone, carolTablet];

        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        foreach (var device in devices)
        {
            await E2E.WaitForSeqAsync(device, chatId, 3);
        }

        await alicePhone.DeleteMessageAsync(chatId, sent[1].MessageId);
        foreach (var device in devices)
        {
            var deleted = await E2E.WaitForDeletionAsync(device, chatId, sent[1].MessageId);
            Assert.Equal(2, deleted.Seq);
        }

        // Deleting again is acked and announces nothing; a later message is the marker.
        await alicePhone.DeleteMessageAsync(chatId, sent[1].MessageId);
        await alicePhone.SendMessageAsync(chatId, "marker", "marker");
        foreach (var device in devices)
        {
            await E2E.WaitForSeqAsync(device, chatId, 4);
            await E2E.MarkerAsync(device);
            Assert.Single(E2E.DeletionsOf(device, chatId));
        }

        foreach (var member in users)
        {
            var history = await member.Api.GetMessagesAsync(chatId);
            Assert.Equal([1L, 3L, 4L], history.Select(m => m.Seq).ToList());
            Assert.DoesNotContain(history, m => m.MessageId == sent[1].MessageId);
        }

        var overSocket = await carolTablet.FetchHistoryAsync(chatId);
        Assert.Equal([1L, 3L, 4L], overSocket.Select(m => m.Seq).ToList());
        Assert.Equal([1L, 3L, 4L], (await bob.Api.GetMessagesAsync(chatId, afterSeq: 0, limit: 2)).Select(m => m.Seq).Concat(
            (await bob.Api.GetMessagesAsync(chatId, afterSeq: 3, limit: 2)).Select(m => m.Seq)).ToList());
    }

    [Fact]
    public async Task OnlyTheSenderMayDeleteAnotherMemberGetsForbiddenAndNothingChanges()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("not-yours", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var message = await alicePhone.SendMessageAsync(chatId, "mine", "alice's message");
        await E2E.WaitForSeqAsync(bobPhone, chatId, 1);

        var refused = await Assert.ThrowsAsync<ChatRequestException>(() => bobPhone.DeleteMessageAsync(chatId, message.MessageId));
        Assert.Equal(ErrorCodes.Forbidden, refused.Code);

        await alicePhone.SendMessageAsync(chatId, "marker", "marker");
        foreach (var device in new[] { alicePhone, bobPhone })
        {
            await E2E.WaitForSeqAsync(device, chatId, 2);
            await E2E.MarkerAsync(device);
            Assert.Empty(E2E.DeletionsOf(device, chatId));
        }

        var history = await bob.Api.GetMessagesAsync(chatId);
        Assert.Equal([message.MessageId], history.Where(m => m.Seq == 1).Select(m => m.MessageId));
    }

    [Fact]
    public async Task ANonMemberReceivesNoneOfAChatsEventsAndIsRefusedItsHistoryAndSends()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 3);
        var (alice, bob, outsider) = (users[0], users[1], users[2]);
        var chatId = (await alice.Api.CreateGroupAsync("members-only", [bob.UserId])).ChatId;
        var outsiderChat = (await alice.Api.CreateDirectChatAsync(outsider.UserId)).Chat.ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await using var outsiderPhone = await E2E.ConnectAsync(BaseUri, outsider, "phone");

        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "secret", 3);
        await alicePhone.DeleteMessageAsync(chatId, sent[0].MessageId);
        await alicePhone.TypingAsync(chatId, TypingStates.Start);
        await bobPhone.MarkReadAsync(chatId, 3);
        await E2E.WaitForDeletionAsync(bobPhone, chatId, sent[0].MessageId);

        // The marker: a message in a chat the outsider is in, sent after all of the above.
        await alicePhone.SendMessageAsync(outsiderChat, "marker", "hello outsider");
        await E2E.WaitForSeqAsync(outsiderPhone, outsiderChat, 1);
        await E2E.MarkerAsync(outsiderPhone);
        Assert.Empty(E2E.MessagesOf(outsiderPhone, chatId));
        Assert.DoesNotContain(outsiderPhone.Received, e => e switch
        {
            MessageDeletedEvent d => d.ChatId == chatId,
            TypingEvent t => t.ChatId == chatId,
            ReceiptEvent r => r.ChatId == chatId,
            ReadStateEvent r => r.ChatId == chatId,
            ChatCreatedEvent c => c.Chat.ChatId == chatId,
            _ => false,
        });

        var http = await Assert.ThrowsAsync<ChatApiException>(() => outsider.Api.GetMessagesAsync(chatId));
        Assert.Equal(HttpStatusCode.Forbidden, http.StatusCode);
        Assert.Equal(ErrorCodes.Forbidden, http.Code);
        var chat = await Assert.ThrowsAsync<ChatApiException>(() => outsider.Api.GetChatAsync(chatId));
        Assert.Equal(HttpStatusCode.Forbidden, chat.StatusCode);
        Assert.DoesNotContain(await outsider.Api.GetChatsAsync(), c => c.ChatId == chatId);

        var fetch = await Assert.ThrowsAsync<ChatRequestException>(() => outsiderPhone.FetchHistoryAsync(chatId));
        Assert.Equal(ErrorCodes.Forbidden, fetch.Code);
        var send = await Assert.ThrowsAsync<ChatRequestException>(() => outsiderPhone.SendMessageAsync(chatId, "intrude", "let me in"));
        Assert.Equal(ErrorCodes.Forbidden, send.Code);
        var typing = await Assert.ThrowsAsync<ChatRequestException>(() => outsiderPhone.TypingAsync(chatId, TypingStates.Start));
        Assert.Equal(ErrorCodes.Forbidden, typing.Code);

        // The refused send left no trace.
        var history = await alice.Api.GetMessagesAsync(chatId);
        Assert.Equal([2L, 3L], history.Select(m => m.Seq).ToList());

        // And a reconnect of the outsider replays nothing of the chat.
        await outsiderPhone.CloseAsync();
        await using var outsiderAgain = await E2E.ConnectAsync(BaseUri, outsider, "phone");
        await alicePhone.SendMessageAsync(chatId, "later", "still secret");
        await alicePhone.SendMessageAsync(outsiderChat, "marker-2", "hello again");
        await E2E.WaitForSeqAsync(outsiderAgain, outsiderChat, 2);
        await E2E.MarkerAsync(outsiderAgain);
        Assert.Empty(E2E.MessagesOf(outsiderAgain, chatId));
    }

    private async Task<(TestUser Alice, TestUser Bob)> TwoUsersAsync()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 2);
        return (users[0], users[1]);
    }
}
