using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>Invariant 3 at reconnect (PROTOCOL.md, "Replay and the order a device sees").</summary>
[Trait("Category", "Integration")]
public sealed class ReplayTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task FirstConnectionReplaysNothingStartsAtTheChatsLastSeqAndThenReceivesLiveMessages()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("first", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "old", 3);

        await using var bobTablet = await E2E.ConnectAsync(BaseUri, bob, "tablet");
        Assert.Equal(0, (await bobTablet.SyncDone).Replayed);
        Assert.Empty(E2E.ReplayedFrames(bobTablet));

        var live = await alicePhone.SendMessageAsync(chatId, "new-1", "after first connect");
        Assert.Equal(4, live.Seq);
        await E2E.WaitForSeqAsync(bobTablet, chatId, 4);
        await E2E.MarkerAsync(bobTablet);
        Assert.Equal([4L], E2E.SeqsOf(bobTablet, chatId));
        Assert.Equal(live.MessageId, E2E.MessagesOf(bobTablet, chatId)[0].MessageId);

        // The older messages are there for the client to read from history.
        var history = await bob.Api.GetMessagesAsync(chatId);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, 4, "history");
    }

    [Fact]
    public async Task AfterACloseReconnectReplaysExactlyTheMessagesAboveTheDeliveredPositionThenSyncDoneThenLive()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("replay", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "before", 3);

        // First connection: position 3 (the chat's last_seq), nothing replayed.
        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        Assert.Equal(0, (await bobPhone.SyncDone).Replayed);
        var live = await E2E.SendSequentiallyAsync(alicePhone, chatId, "live", 5);
        E2E.AssertRange(live.Select(m => m.Seq).ToList(), 4, 8, "acks");
        await E2E.WaitForSeqAsync(bobPhone, chatId, 8);
        E2E.AssertRange(E2E.SeqsOf(bobPhone, chatId), 4, 8, "live on the first connection");
        await bobPhone.DeliveredAsync(chatId, 6);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        var offline = await E2E.SendSequentiallyAsync(alicePhone, chatId, "offline", 3);
        E2E.AssertRange(offline.Select(m => m.Seq).ToList(), 9, 11, "acks while bob is away");

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.All(replay, f => Assert.IsType<NewMessageEvent>(f));
        var replayedMessages = replay.Cast<NewMessageEvent>().Select(e => e.Message).ToList();
        E2E.AssertRange(replayedMessages.Select(m => m.Seq).ToList(), 7, 11, "replay");
        Assert.Equal(live.Skip(3).Concat(offline).Select(m => m.MessageId), replayedMessages.Select(m => m.MessageId));
        Assert.Equal(5, (await bobAgain.SyncDone).Replayed);

        var after = await alicePhone.SendMessageAsync(chatId, "after", "after the reconnect");
        Assert.Equal(12, after.Seq);
        await E2E.WaitForSeqAsync(bobAgain, chatId, 12);
        await E2E.MarkerAsync(bobAgain);
        E2E.AssertRange(E2E.SeqsOf(bobAgain, chatId), 7, 12, "everything on the second connection");
        Assert.Equal([12L], E2E.LiveFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
    }

    [Fact]
    public async Task AfterAnAbortReconnectReplaysOnlyWhatAFireAndForgetDeliveredDidNotCover()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.UserId)).Chat.ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 4);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 4);
        await bobPhone.SendDeliveredAsync(chatId, 2);
        await bobPhone.SendDeliveredAsync(chatId, 4);
        await bobPhone.SendDeliveredAsync(chatId, 3); // cumulative: a lower position changes nothing
        await E2E.MarkerAsync(bobPhone); // frames are handled in order: the delivered frames are done
        bobPhone.Abort();
        await bobPhone.DisposeAsync();

        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "n", 2);

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.Equal(sent.Select(m => m.MessageId), replay.OfType<NewMessageEvent>().Select(e => e.Message.MessageId));
        Assert.All(replay, f => Assert.IsType<NewMessageEvent>(f));
        Assert.Equal(2, (await bobAgain.SyncDone).Replayed);
    }

    [Fact]
    public async Task ABurstOfFireAndForgetDeliveredRightBeforeAnAbortIsNeverReplayed()
    {
        // The gateway merges unconfirmed acks while one call is in flight; a reconnect must
        // still see every ack the old socket had handled.
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("burst-acks", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        for (var round = 0; round < 3; round++)
        {
            var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
            await bobPhone.SyncDone;
            var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, $"r{round}-", 12);
            await E2E.WaitForSeqAsync(bobPhone, chatId, sent[^1].Seq);
            foreach (var message in sent)
            {
                await bobPhone.SendDeliveredAsync(chatId, message.Seq);
            }

            await E2E.MarkerAsync(bobPhone);
            bobPhone.Abort();
            await bobPhone.DisposeAsync();

            var missed = await alicePhone.SendMessageAsync(chatId, $"missed-{round}", "while away");
            await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
            Assert.Equal([missed.Seq], E2E.ReplayedFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
            await bobAgain.DeliveredAsync(chatId, missed.Seq);
            await bobAgain.CloseAsync();
        }
    }

    [Fact]
    public async Task AutomaticAcksHeldByTheClientGoOutBeforeAGracefulCloseSoNothingIsReplayed()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("held-acks", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        // Held far longer than the test: only the close can send them.
        var options = new ChatConnectionOptions { AutoDelivered = true, AutoDeliveredDelay = TimeSpan.FromHours(1) };
        var bobPhone = await ChatConnection.ConnectAsync(BaseUri, bob.AccessToken, "phone", options);
        await bobPhone.SyncDone.WaitAsync(E2E.Timeout);
        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 5);
        await E2E.WaitForSeqAsync(bobPhone, chatId, sent[^1].Seq);
        await bobPhone.CloseAsync();

        var after = await alicePhone.SendMessageAsync(chatId, "after", "while away");
        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        Assert.Equal([after.Seq], E2E.ReplayedFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
    }

    [Fact]
    public async Task WithoutACloseHeldAutomaticAcksAreLostAndTheMessagesComeAgain()
    {
        // The other side of the trade: a crash inside the hold repeats messages, never loses them.
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("held-acks-abort", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var options = new ChatConnectionOptions { AutoDelivered = true, AutoDeliveredDelay = TimeSpan.FromHours(1) };
        var bobPhone = await ChatConnection.ConnectAsync(BaseUri, bob.AccessToken, "phone", options);
        await bobPhone.SyncDone.WaitAsync(E2E.Timeout);
        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        await E2E.WaitForSeqAsync(bobPhone, chatId, sent[^1].Seq);
        await bobPhone.DisposeAsync();

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        Assert.Equal(sent.Select(m => m.Seq), E2E.ReplayedFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq));
    }

    [Fact]
    public async Task AnOnEventHandlerSeesTheReplayThenLiveMessagesInOrderWithoutTheQueue()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("on-event", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using (var first = await E2E.ConnectAsync(BaseUri, bob, "phone"))
        {
            await first.CloseAsync();
        }

        var missed = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        var seen = new List<string>();
        var fourth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new ChatConnectionOptions
        {
            PublishEvents = false,
            OnEvent = e =>
            {
                // Receipts of alice's reads may come too; the order of these three kinds is the contract.
                var name = e switch
                {
                    WelcomeEvent => "welcome",
                    NewMessageEvent m => $"new_message:{m.Message.Seq}",
                    SyncDoneEvent => "sync_done",
                    _ => null,
                };
                if (name is not null)
                {
                    lock (seen)
                    {
                        seen.Add(name);
                    }
                }

                if (e is NewMessageEvent { Message.Seq: 4 })
                {
                    fourth.TrySetResult();
                }
            },
        };
        await using var bobPhone = await ChatConnection.ConnectAsync(BaseUri, bob.AccessToken, "phone", options);
        await bobPhone.SyncDone.WaitAsync(E2E.Timeout);
        await alicePhone.SendMessageAsync(chatId, "live", "live");
        await fourth.Task.WaitAsync(E2E.Timeout);

        lock (seen)
        {
            Assert.Equal(["welcome", "new_message:1", "new_message:2", "new_message:3", "sync_done", "new_message:4"], seen);
        }

        Assert.Equal(3, missed.Count);
    }

    [Fact]
    public async Task ADeliveredAboveTheChatsLastSeqIsClampedSoLaterMessagesAreStillReplayed()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("clamp", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 3);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 3);
        await bobPhone.DeliveredAsync(chatId, 1_000);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        await E2E.SendSequentiallyAsync(alicePhone, chatId, "n", 2);

        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        Assert.Equal([4L, 5L], E2E.ReplayedFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
        Assert.Equal(2, (await bobAgain.SyncDone).Replayed);
    }

    [Fact]
    public async Task DeliveredPositionsArePerDeviceSoEachDeviceReplaysFromItsOwnPosition()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("per-device", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var bobLaptop = await E2E.ConnectAsync(BaseUri, bob, "laptop");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 6);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 6);
        await E2E.WaitForSeqAsync(bobLaptop, chatId, 6);
        await bobPhone.DeliveredAsync(chatId, 5);
        await bobLaptop.DeliveredAsync(chatId, 2);
        await bobPhone.CloseAsync();
        await bobLaptop.CloseAsync();
        await bobPhone.DisposeAsync();
        await bobLaptop.DisposeAsync();

        await using var phoneAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await using var laptopAgain = await E2E.ConnectAsync(BaseUri, bob, "laptop");
        E2E.AssertRange(E2E.ReplayedFrames(phoneAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList(), 6, 6, "phone replay");
        E2E.AssertRange(E2E.ReplayedFrames(laptopAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList(), 3, 6, "laptop replay");
        Assert.Equal(1, (await phoneAgain.SyncDone).Replayed);
        Assert.Equal(4, (await laptopAgain.SyncDone).Replayed);
    }

    [Fact]
    public async Task MessagesSentWhileTheDeviceReconnectsArriveOnceAndInOrderAcrossReplayAndLive()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("racing", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "warm", 5);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 5);
        await bobPhone.DeliveredAsync(chatId, 5);
        await bobPhone.CloseAsync();
        await bobPhone.DisposeAsync();

        // 40 sends stream in while bob reconnects: some land in the replay, some live, some in between.
        var sends = E2E.FireSends(alicePhone, chatId, "race", 40);
        await sends[0].WaitAsync(E2E.Timeout);
        await using var bobAgain = await E2E.ConnectAsync(BaseUri, bob, "phone");
        var acked = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));
        E2E.AssertRange(acked.Select(m => m.Seq).ToList(), 6, 45, "acks");

        await E2E.WaitForSeqAsync(bobAgain, chatId, 45);
        await E2E.MarkerAsync(bobAgain);
        var seen = E2E.MessagesOf(bobAgain, chatId);
        E2E.AssertRange(seen.Select(m => m.Seq).ToList(), 6, 45, "replay + live");
        Assert.Equal(acked.Select(m => m.MessageId), seen.Select(m => m.MessageId));
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.Equal(replay.Count, (await bobAgain.SyncDone).Replayed);
        Assert.All(replay, f => Assert.IsType<NewMessageEvent>(f));
    }

    [Fact]
    public async Task AUserAddedLaterStartsAtTheJoinPositionLiveAndAtReconnect()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 3);
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var chatId = (await alice.Api.CreateGroupAsync("joined-later", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await E2E.SendSequentiallyAsync(alicePhone, chatId, "before-join", 5);

        var carolPhone = await E2E.ConnectAsync(BaseUri, carol, "phone");
        await alice.Api.AddMembersAsync(chatId, [carol.UserId]);
        var created = await carolPhone.WaitForAsync<ChatCreatedEvent>(e => e.Chat.ChatId == chatId, E2E.Timeout);
        Assert.Equal(5, created.Chat.LastSeq);

        await alicePhone.SendMessageAsync(chatId, "after-join-1", "welcome carol");
        await E2E.WaitForSeqAsync(carolPhone, chatId, 6);
        await E2E.MarkerAsync(carolPhone);
        Assert.Equal([6L], E2E.SeqsOf(carolPhone, chatId));
        await carolPhone.CloseAsync();
        await carolPhone.DisposeAsync();

        await alicePhone.SendMessageAsync(chatId, "after-join-2", "are you there");

        // Nothing acknowledged: the position is still the join position, so 6 and 7 come again.
        await using var carolAgain = await E2E.ConnectAsync(BaseUri, carol, "phone");
        var replay = E2E.ReplayedFrames(carolAgain);
        Assert.Equal([6L, 7L], replay.OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
        Assert.Equal(replay.Count, (await carolAgain.SyncDone).Replayed);

        // A device that never connected starts at the chat's last_seq: nothing replayed.
        await using var carolLaptop = await E2E.ConnectAsync(BaseUri, carol, "laptop");
        Assert.Empty(E2E.ReplayedFrames(carolLaptop));
        Assert.Equal(0, (await carolLaptop.SyncDone).Replayed);
    }

    private async Task<(TestUser Alice, TestUser Bob)> TwoUsersAsync()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 2);
        return (users[0], users[1]);
    }
}
