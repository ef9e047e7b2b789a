using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// Invariant 1 (durable before ack) and the "restart test": the process stops and starts again
/// on the same data folder, and everything acked, every account, token and delivery position is there.
/// Each test owns its gateway, since it restarts it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestartDurabilityTests
{
    private const int N = 50;

    [Fact]
    public async Task EveryAckedMessageSurvivesARestartInOrderWithGaplessSeqAndNewSendsContinueAtNPlusOne()
    {
        await using var gateway = await TestGateway.StartAsync();
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("durable", [bob.UserId])).ChatId;

        List<Message> sent;
        await using (var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone"))
        {
            sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", N);
            E2E.AssertRange(sent.Select(m => m.Seq).ToList(), 1, N, "acks before the restart");
        }

        await gateway.StopAsync();
        await gateway.StartAgainAsync();

        // Logging in again works, as the same user.
        var aliceApi = new ChatApiClient(gateway.BaseUri);
        var login = await aliceApi.LoginAsync(alice.Username, alice.Password);
        Assert.Equal(alice.UserId, login.UserId);

        var history = await aliceApi.GetMessagesAsync(chatId, limit: 200);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, N, "history after the restart");
        Assert.Equal(sent, history);

        await using var aliceAgain = await E2E.ConnectAsync(gateway.BaseUri, login.AccessToken, "phone");
        var next = await aliceAgain.SendMessageAsync(chatId, "after-restart", "still here");
        Assert.Equal(N + 1, next.Seq);
        var more = await E2E.SendSequentiallyAsync(aliceAgain, chatId, "n", 3);
        E2E.AssertRange(more.Select(m => m.Seq).ToList(), N + 2, N + 4, "further sends");

        var all = await aliceApi.GetMessagesAsync(chatId, afterSeq: 0, limit: 200);
        E2E.AssertRange(all.Select(m => m.Seq).ToList(), 1, N + 4, "history after new sends");
        Assert.Equal(N + 4, (await aliceApi.GetChatAsync(chatId)).LastSeq);
    }

    [Fact]
    public async Task ATokenIssuedBeforeARestartStillWorksOverHttpAndTheWebSocket()
    {
        await using var gateway = await TestGateway.StartAsync();
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.UserId)).Chat.ChatId;
        Message before;
        await using (var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone"))
        {
            before = await alicePhone.SendMessageAsync(chatId, "before", "before the restart");
        }

        await gateway.StopAsync();
        await gateway.StartAgainAsync();

        var oldTokenApi = new ChatApiClient(gateway.BaseUri) { AccessToken = bob.AccessToken };
        Assert.Equal(bob.UserId, (await oldTokenApi.GetMeAsync()).UserId);
        Assert.Equal([before.MessageId], (await oldTokenApi.GetMessagesAsync(chatId)).Select(m => m.MessageId).ToList());

        await using var bobPhone = await E2E.ConnectAsync(gateway.BaseUri, bob.AccessToken, "phone");
        Assert.Equal(bob.UserId, bobPhone.UserId);
        await using var alicePhoneAgain = await E2E.ConnectAsync(gateway.BaseUri, alice.AccessToken, "phone");
        var after = await alicePhoneAgain.SendMessageAsync(chatId, "after", "after the restart");
        Assert.Equal(2, after.Seq);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 2);
    }

    [Fact]
    public async Task ADevicesDeliveredPositionSurvivesARestartSoItsReconnectReplaysOnlyWhatItHadNotAcknowledged()
    {
        await using var gateway = await TestGateway.StartAsync();
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("positions", [bob.UserId])).ChatId;

        List<Message> sent;
        await using (var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone"))
        await using (var bobPhone = await E2E.ConnectAsync(gateway.BaseUri, bob, "phone"))
        {
            sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", N);
            await E2E.WaitForSeqAsync(bobPhone, chatId, N);
            await bobPhone.DeliveredAsync(chatId, 30);
        }

        await gateway.StopAsync();
        await gateway.StartAgainAsync();

        var aliceApi = new ChatApiClient(gateway.BaseUri);
        var aliceLogin = await aliceApi.LoginAsync(alice.Username, alice.Password);
        await using var aliceAgain = await E2E.ConnectAsync(gateway.BaseUri, aliceLogin.AccessToken, "phone");
        var next = await aliceAgain.SendMessageAsync(chatId, "after-restart", "sent while bob is away");
        Assert.Equal(N + 1, next.Seq);

        await using var bobAgain = await E2E.ConnectAsync(gateway.BaseUri, bob.AccessToken, "phone");
        var replay = E2E.ReplayedFrames(bobAgain);
        Assert.All(replay, f => Assert.IsType<NewMessageEvent>(f));
        var replayed = replay.Cast<NewMessageEvent>().Select(e => e.Message).ToList();
        E2E.AssertRange(replayed.Select(m => m.Seq).ToList(), 31, N + 1, "replay after the restart");
        Assert.Equal(sent.Skip(30).Append(next).Select(m => m.MessageId), replayed.Select(m => m.MessageId));
        Assert.Equal(N + 1 - 30, (await bobAgain.SyncDone).Replayed);

        // A device of bob's that never connected gets nothing replayed, before or after a restart.
        await using var bobLaptop = await E2E.ConnectAsync(gateway.BaseUri, bob.AccessToken, "laptop");
        Assert.Equal(0, (await bobLaptop.SyncDone).Replayed);
    }

    [Fact]
    public async Task ResendingAClientMsgIdAfterARestartReturnsTheOriginalMessageAndStoresNoCopy()
    {
        await using var gateway = await TestGateway.StartAsync();
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("dedupe-restart", [bob.UserId])).ChatId;

        List<Message> sent;
        await using (var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone"))
        {
            sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 5);
        }

        await gateway.StopAsync();
        await gateway.StartAgainAsync();

        await using var bobPhone = await E2E.ConnectAsync(gateway.BaseUri, bob.AccessToken, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(gateway.BaseUri, alice.AccessToken, "laptop");

        // The same key from another device, after the restart, mixed with a new send.
        var resend = aliceLaptop.SendMessageAsync(chatId, "m-3", "a retry after the crash");
        var fresh = aliceLaptop.SendMessageAsync(chatId, "m-6", "new");
        Assert.Equal(sent[2], await resend);
        Assert.Equal(6, (await fresh).Seq);
        Assert.Equal(sent[4], await aliceLaptop.SendMessageAsync(chatId, "m-5", "another retry"));

        await E2E.WaitForSeqAsync(bobPhone, chatId, 6);
        await E2E.MarkerAsync(bobPhone);
        Assert.Equal([6L], E2E.SeqsOf(bobPhone, chatId));

        var bobApi = new ChatApiClient(gateway.BaseUri) { AccessToken = bob.AccessToken };
        var history = await bobApi.GetMessagesAsync(chatId, limit: 200);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, 6, "history");
        Assert.Equal(sent, history.Take(5));
    }
}

/// <summary>
/// A restart with devices still connected, as in a deploy. Its own class so that it runs beside
/// the other restart tests.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestartWithOpenSocketsTests
{
    [Fact]
    public async Task StoppingTheGatewayWithDevicesConnectedEndsTheirSocketsPromptlyAndLosesNothingAcked()
    {
        await using var gateway = await TestGateway.StartAsync();
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("open-sockets", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(gateway.BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(gateway.BaseUri, bob, "phone");
        var sent = await E2E.SendSequentiallyAsync(alicePhone, chatId, "m", 10);
        await E2E.WaitForSeqAsync(bobPhone, chatId, 10);
        await bobPhone.DeliveredAsync(chatId, 7);

        // A restart (a deploy) must not hang on open sockets: the devices are told and reconnect.
        var stopFailure = await Record.ExceptionAsync(() => gateway.StopAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stopFailure is null, $"StopAsync did not complete within 10 s while WebSockets were open: {stopFailure}");
        await Task.WhenAll(alicePhone.Closed, bobPhone.Closed).WaitAsync(E2E.Timeout);

        await gateway.StartAgainAsync();
        var api = new ChatApiClient(gateway.BaseUri) { AccessToken = alice.AccessToken };
        Assert.Equal(sent, await api.GetMessagesAsync(chatId));
        await using var bobAgain = await E2E.ConnectAsync(gateway.BaseUri, bob.AccessToken, "phone");
        Assert.Equal([8L, 9L, 10L], E2E.ReplayedFrames(bobAgain).OfType<NewMessageEvent>().Select(e => e.Message.Seq).ToList());
    }
}
