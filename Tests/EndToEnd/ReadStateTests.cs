using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;
using ReadStateEvent = ChatOrleans.Client.ReadStateEvent;
using ReceiptEvent = ChatOrleans.Client.ReceiptEvent;

/// <summary>Read positions: <c>mark_read</c>, <c>read_state</c>, <c>receipt</c>, unread and badge counts, and their replay.</summary>
[Trait("Category", "Integration")]
public sealed class ReadStateTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task MarkReadReachesEveryDeviceOfTheUserAndTheOtherMemberGetsAReceipt()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var laptop = await alice.ConnectAsync("laptop");
        await using var bobSocket = await bob.ConnectAsync("phone");
        for (var i = 1; i <= 3; i++)
        {
            await bobSocket.SendMessageAsync(direct, $"b{i}", $"hi {i}");
        }

        var ack = await phone.MarkReadAsync(direct, 2);
        Assert.Equal("ack", ack.Frame.GetProperty("type").GetString());

        foreach (var device in new[] { phone, laptop })
        {
            var state = await Proto.WaitReadStateAsync(device, direct, 2);
            Assert.Equal(new ReadStateEvent(direct, 2, 1, 1), state);
        }

        var receipt = await bobSocket.WaitForAsync<ReceiptEvent>(e => e.ChatId == direct && e.UserId == alice.Id, Proto.Timeout);
        Assert.Equal(2, receipt.LastReadSeq);

        // The reader gets no receipt of their own: bob's next message comes after it on the chat's stream.
        await bobSocket.SendMessageAsync(direct, "b4", "marker");
        foreach (var device in new[] { phone, laptop })
        {
            await Proto.WaitMessageAsync(device, direct, 4);
            Assert.DoesNotContain(device.ReceivedOf<ReceiptEvent>(), e => e.UserId == alice.Id);
        }

        var chat = await alice.Api.GetChatAsync(direct);
        Assert.Equal((4L, 2L, 2), (chat.LastSeq, chat.LastReadSeq, chat.UnreadCount));
    }

    [Fact]
    public async Task ALowerSeqIsAckedAndChangesNothing()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var laptop = await alice.ConnectAsync("laptop");
        await using var bobSocket = await bob.ConnectAsync("phone");
        for (var i = 1; i <= 3; i++)
        {
            await bobSocket.SendMessageAsync(direct, $"b{i}", $"hi {i}");
        }

        await phone.MarkReadAsync(direct, 3);
        await Proto.WaitReadStateAsync(laptop, direct, 3);

        await phone.MarkReadAsync(direct, 1);
        await phone.MarkReadAsync(direct, 3);
        var view = await alice.Api.GetChatAsync(direct);
        Assert.Equal((3L, 0), (view.LastReadSeq, view.UnreadCount));

        // A later move is the marker: read_state and receipts are ordered on their streams.
        await bobSocket.SendMessageAsync(direct, "b4", "hi 4");
        await phone.MarkReadAsync(direct, 4);
        foreach (var device in new[] { phone, laptop })
        {
            await Proto.WaitReadStateAsync(device, direct, 4);
            Assert.Equal(new long[] { 3, 4 }, device.ReceivedOf<ReadStateEvent>().Where(e => e.ChatId == direct).Select(e => e.LastReadSeq));
        }

        await bobSocket.WaitForAsync<ReceiptEvent>(e => e.ChatId == direct && e.UserId == alice.Id && e.LastReadSeq == 4, Proto.Timeout);
        Assert.Equal(
            new long[] { 3, 4 },
            bobSocket.ReceivedOf<ReceiptEvent>().Where(e => e.ChatId == direct && e.UserId == alice.Id).Select(e => e.LastReadSeq));
    }

    [Fact]
    public async Task ASeqAboveLastSeqIsClamped()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await bobSocket.SendMessageAsync(direct, "b1", "one");
        await bobSocket.SendMessageAsync(direct, "b2", "two");

        await phone.MarkReadAsync(direct, 1_000);

        var state = await phone.WaitForAsync<ReadStateEvent>(e => e.ChatId == direct, Proto.Timeout);
        Assert.Equal(new ReadStateEvent(direct, 2, 0, 0), state);
        var receipt = await bobSocket.WaitForAsync<ReceiptEvent>(e => e.ChatId == direct && e.UserId == alice.Id, Proto.Timeout);
        Assert.Equal(2, receipt.LastReadSeq);
        Assert.Equal(2, (await alice.Api.GetChatAsync(direct)).LastReadSeq);

        // The stored position is 2, not 1,000: the next message is unread.
        await bobSocket.SendMessageAsync(direct, "b3", "three");
        var chat = await alice.Api.GetChatAsync(direct);
        Assert.Equal((3L, 2L, 1), (chat.LastSeq, chat.LastReadSeq, chat.UnreadCount));
    }

    [Fact]
    public async Task MarkReadInAChatOfOthersIsForbiddenAndInAnUnknownChatNotFound()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var eve = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var eveSocket = await eve.ConnectAsync("phone");

        await Proto.AssertRequestErrorAsync(() => eveSocket.MarkReadAsync(direct, 1), ErrorCodes.Forbidden);
        await Proto.AssertRequestErrorAsync(() => eveSocket.MarkReadAsync("c_" + Guid.NewGuid().ToString("N"), 1), ErrorCodes.NotFound);
        await Proto.AssertRequestErrorAsync(
            () => eveSocket.RequestAsync("mark_read", Proto.Fields(("chat_id", direct))), ErrorCodes.BadRequest);
    }

    [Fact]
    public async Task ReceiptsGoToTheOtherMembersOfASmallGroupNotToTheReader()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("receipts", [bob.Id, carol.Id])).ChatId;
        await using var alicePhone = await alice.ConnectAsync("phone");
        await using var aliceLaptop = await alice.ConnectAsync("laptop");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var carolSocket = await carol.ConnectAsync("phone");
        await bobSocket.SendMessageAsync(group, "b1", "one");
        await bobSocket.SendMessageAsync(group, "b2", "two");

        await alicePhone.MarkReadAsync(group, 2);

        foreach (var other in new[] { bobSocket, carolSocket })
        {
            var receipt = await other.WaitForAsync<ReceiptEvent>(e => e.ChatId == group && e.UserId == alice.Id, Proto.Timeout);
            Assert.Equal(2, receipt.LastReadSeq);
        }

        await carolSocket.SendMessageAsync(group, "c3", "marker");
        foreach (var device in new[] { alicePhone, aliceLaptop })
        {
            await Proto.WaitMessageAsync(device, group, 3);
            Assert.DoesNotContain(device.ReceivedOf<ReceiptEvent>(), e => e.UserId == alice.Id);
        }
    }

    [Fact]
    public async Task SendingMovesTheSendersReadPosition()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var laptop = await alice.ConnectAsync("laptop");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await bobSocket.SendMessageAsync(direct, "b1", "one");
        await bobSocket.SendMessageAsync(direct, "b2", "two");

        var sent = await phone.SendMessageAsync(direct, "a3", "three");
        Assert.Equal(3, sent.Seq);

        foreach (var device in new[] { phone, laptop })
        {
            Assert.Equal(new ReadStateEvent(direct, 3, 0, 0), await Proto.WaitReadStateAsync(device, direct, 3));
        }

        await bobSocket.WaitForAsync<ReceiptEvent>(e => e.ChatId == direct && e.UserId == alice.Id && e.LastReadSeq == 3, Proto.Timeout);
        var chat = await alice.Api.GetChatAsync(direct);
        Assert.Equal((3L, 3L, 0), (chat.LastSeq, chat.LastReadSeq, chat.UnreadCount));
    }

    [Fact]
    public async Task UnreadCountCountsOthersMessagesThatAreNotDeleted()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("unread", [bob.Id, carol.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var carolSocket = await carol.ConnectAsync("phone");

        // alice 1, 2; bob 3, 4; carol 5.
        await aliceSocket.SendMessageAsync(group, "a1", "one");
        await aliceSocket.SendMessageAsync(group, "a2", "two");
        var bob3 = await bobSocket.SendMessageAsync(group, "b3", "three");
        var bob4 = await bobSocket.SendMessageAsync(group, "b4", "four");
        await carolSocket.SendMessageAsync(group, "c5", "five");
        await Proto.WaitReadStateAsync(aliceSocket, group, 2);
        await Proto.WaitReadStateAsync(bobSocket, group, 4);
        await Proto.WaitReadStateAsync(carolSocket, group, 5);

        Assert.Equal((2L, 3), Position(await alice.Api.GetChatAsync(group)));
        Assert.Equal((4L, 1), Position(await bob.Api.GetChatAsync(group)));
        Assert.Equal((5L, 0), Position(await carol.Api.GetChatAsync(group)));

        // A deleted message is not unread any more.
        await bobSocket.DeleteMessageAsync(group, bob4.MessageId);
        Assert.Equal((2L, 2), Position(await alice.Api.GetChatAsync(group)));

        await aliceSocket.MarkReadAsync(group, bob3.Seq);
        Assert.Equal(new ReadStateEvent(group, 3, 1, 1), await Proto.WaitReadStateAsync(aliceSocket, group, 3));

        static (long, int) Position(Chat chat) => (chat.LastReadSeq, chat.UnreadCount);
    }

    [Fact]
    public async Task AChatAtLevelNoneIsLeftOutOfTheBadgeCount()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        var group = (await alice.Api.CreateGroupAsync("muted", [bob.Id])).ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");
        for (var i = 1; i <= 2; i++)
        {
            await bobSocket.SendMessageAsync(direct, $"d{i}", $"direct {i}");
        }

        for (var i = 1; i <= 3; i++)
        {
            await bobSocket.SendMessageAsync(group, $"g{i}", $"group {i}");
        }

        // Both count while the level is "all".
        await aliceSocket.MarkReadAsync(direct, 1);
        Assert.Equal(new ReadStateEvent(direct, 1, 1, 4), await Proto.WaitReadStateAsync(aliceSocket, direct, 1));

        await alice.Api.SetChatNotificationLevelAsync(group, NotificationLevels.None);
        Assert.Equal(NotificationLevels.None, (await alice.Api.GetChatAsync(group)).Level);

        // direct 1 unread; the muted group's unread does not count.
        await aliceSocket.MarkReadAsync(group, 1);
        Assert.Equal(new ReadStateEvent(group, 1, 2, 1), await Proto.WaitReadStateAsync(aliceSocket, group, 1));
        await aliceSocket.MarkReadAsync(direct, 2);
        Assert.Equal(new ReadStateEvent(direct, 2, 0, 0), await Proto.WaitReadStateAsync(aliceSocket, direct, 2));

        // Back to "mentions": it counts again (only "none" is left out).
        await alice.Api.SetChatNotificationLevelAsync(group, NotificationLevels.Mentions);
        await aliceSocket.MarkReadAsync(group, 2);
        Assert.Equal(new ReadStateEvent(group, 2, 1, 1), await Proto.WaitReadStateAsync(aliceSocket, group, 2));

        await Proto.AssertApiErrorAsync(
            () => alice.Api.SetChatNotificationLevelAsync(group, "loud"), System.Net.HttpStatusCode.BadRequest, ErrorCodes.BadRequest);
    }

    [Fact]
    public async Task AReconnectingDeviceGetsTheReadStateOfChatsWhosePositionMovedSinceItsPreviousConnectionBegan()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var x = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        var y = (await alice.Api.CreateGroupAsync("y", [bob.Id])).ChatId;
        var z = (await alice.Api.CreateGroupAsync("z", [bob.Id])).ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using (var bobSocket = await bob.ConnectAsync("phone"))
        {
            foreach (var chat in new[] { x, y, z })
            {
                for (var i = 1; i <= 3; i++)
                {
                    await bobSocket.SendMessageAsync(chat, $"{chat}-{i}", $"message {i}");
                }
            }
        }

        // All three positions move before the tablet ever connects.
        foreach (var chat in new[] { x, y, z })
        {
            await phone.MarkReadAsync(chat, 1);
        }

        // A first connection replays no read_state.
        await using var tablet = await alice.ConnectAsync("tablet");
        Assert.DoesNotContain(Proto.ReplayOf(tablet), e => e is ReadStateEvent);

        // z moves while the tablet is connected, x after it left, y not at all.
        await phone.MarkReadAsync(z, 2);
        await Proto.WaitReadStateAsync(tablet, z, 2);
        await tablet.CloseAsync();
        await phone.MarkReadAsync(x, 2);

        await using var again = await alice.ConnectAsync("tablet");
        var replayed = Proto.ReplayOf(again).OfType<ReadStateEvent>().OrderBy(e => e.ChatId, StringComparer.Ordinal).ToList();

        // Badge: x 1 + y 2 + z 1 unread.
        var expected = new[] { new ReadStateEvent(x, 2, 1, 4), new ReadStateEvent(z, 2, 1, 4) }.OrderBy(e => e.ChatId, StringComparer.Ordinal);
        Assert.Equal(expected, replayed);
        Assert.Equal(Proto.ReplayOf(again).Count, (await again.SyncDone).Replayed);

        // Nothing moved since that connection began: the next one replays no read_state.
        await again.CloseAsync();
        await using var third = await alice.ConnectAsync("tablet");
        Assert.DoesNotContain(Proto.ReplayOf(third), e => e is ReadStateEvent);
    }
}
