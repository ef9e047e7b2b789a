using System.Text.Json;
using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>Invariant 4: the same user, chat and client_msg_id is one message, however often and from wherever it is sent.</summary>
[Trait("Category", "Integration")]
public sealed class IdempotentSendTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task SendingTheSameClientMsgIdTwiceOnOneConnectionReturnsTheOriginalAndStoresAndFansOutOneCopy()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("dedupe", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var first = await alicePhone.SendMessageAsync(chatId, "dup-1", "original text");
        var second = await alicePhone.SendMessageAsync(chatId, "dup-1", "different text");
        Assert.Equal(first, second);
        Assert.Equal("original text", second.Text);

        await AssertOneCopyAsync(alice, alicePhone, bobPhone, chatId, first);
    }

    [Fact]
    public async Task SendingTheSameClientMsgIdFromASecondDeviceOfTheSameUserReturnsTheOriginal()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("two-devices", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var first = await alicePhone.SendMessageAsync(chatId, "dup-1", "from the phone");
        var second = await aliceLaptop.SendMessageAsync(chatId, "dup-1", "from the laptop");
        Assert.Equal(first, second);
        Assert.Equal("phone", second.SenderDeviceId);

        await AssertOneCopyAsync(alice, alicePhone, bobPhone, chatId, first);
        await E2E.WaitForSeqAsync(aliceLaptop, chatId, 2);
        await E2E.MarkerAsync(aliceLaptop);
        Assert.Equal([1L, 2L], E2E.SeqsOf(aliceLaptop, chatId));
    }

    [Fact]
    public async Task ConcurrentSendsOfOneClientMsgIdFromTwoDevicesMakeOneMessage()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("racing-dupes", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var aliceLaptop = await E2E.ConnectAsync(BaseUri, alice, "laptop");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var sends = new List<Task<Message>>();
        for (var i = 0; i < 10; i++)
        {
            sends.Add(alicePhone.SendMessageAsync(chatId, $"race-{i}", $"phone {i}"));
            sends.Add(aliceLaptop.SendMessageAsync(chatId, $"race-{i}", $"laptop {i}"));
        }

        var acked = await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(acked[2 * i], acked[(2 * i) + 1]);
        }

        var seqs = acked.Select(m => m.Seq).Distinct().Order().ToList();
        E2E.AssertRange(seqs, 1, 10, "distinct acked seqs");
        await E2E.WaitForSeqAsync(bobPhone, chatId, 10);
        await alicePhone.SendMessageAsync(chatId, "marker", "marker");
        await E2E.WaitForSeqAsync(bobPhone, chatId, 11);
        await E2E.MarkerAsync(bobPhone);
        E2E.AssertRange(E2E.SeqsOf(bobPhone, chatId), 1, 11, "bob's new_message");
        var history = await bob.Api.GetMessagesAsync(chatId, limit: 200);
        E2E.AssertRange(history.Select(m => m.Seq).ToList(), 1, 11, "history");
    }

    [Fact]
    public async Task ResendingAnAckedClientMsgIdAfterTheConnectionWasAbortedAndReopenedReturnsTheOriginal()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("abort-resend", [bob.UserId])).ChatId;
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        var first = await alicePhone.SendMessageAsync(chatId, "dup-1", "before the crash");
        alicePhone.Abort();
        await alicePhone.DisposeAsync();

        await using var aliceAgain = await E2E.ConnectAsync(BaseUri, alice, "phone");
        var second = await aliceAgain.SendMessageAsync(chatId, "dup-1", "after the crash");
        Assert.Equal(first, second);

        await AssertOneCopyAsync(alice, aliceAgain, bobPhone, chatId, first);
    }

    [Fact]
    public async Task ASendWhoseAckWasLostToAnAbortIsStoredOnceWhenResentAfterReconnect()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("lost-ack", [bob.UserId])).ChatId;
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        // The frame is on the wire; the connection dies before the ack can be read.
        var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        var frame = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "send_message",
            ["req_id"] = "lost",
            ["chat_id"] = chatId,
            ["client_msg_id"] = "dup-1",
            ["text"] = "maybe stored",
        });
        await alicePhone.SendRawAsync(frame);
        alicePhone.Abort();
        await alicePhone.DisposeAsync();

        await using var aliceAgain = await E2E.ConnectAsync(BaseUri, alice, "phone");
        var resent = await aliceAgain.SendMessageAsync(chatId, "dup-1", "resent");
        var again = await aliceAgain.SendMessageAsync(chatId, "dup-1", "resent again");
        Assert.Equal(resent, again);
        Assert.Equal(1, resent.Seq);

        await AssertOneCopyAsync(alice, aliceAgain, bobPhone, chatId, resent);
    }

    [Fact]
    public async Task TheSameClientMsgIdFromTwoDifferentUsersIsTwoMessages()
    {
        var (alice, bob) = await TwoUsersAsync();
        var chatId = (await alice.Api.CreateGroupAsync("not-shared", [bob.UserId])).ChatId;
        await using var alicePhone = await E2E.ConnectAsync(BaseUri, alice, "phone");
        await using var bobPhone = await E2E.ConnectAsync(BaseUri, bob, "phone");

        var fromAlice = await alicePhone.SendMessageAsync(chatId, "same-key", "alice");
        var fromBob = await bobPhone.SendMessageAsync(chatId, "same-key", "bob");
        Assert.NotEqual(fromAlice.MessageId, fromBob.MessageId);
        Assert.Equal([1L, 2L], new[] { fromAlice.Seq, fromBob.Seq }.Order().ToList());
        Assert.Equal(2, (await alice.Api.GetMessagesAsync(chatId)).Count);
    }

    private async Task<(TestUser Alice, TestUser Bob)> TwoUsersAsync()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 2);
        return (users[0], users[1]);
    }

    /// <summary>
    /// History holds the message once, and the other member's device received it once: a later
    /// message from the same sender is the marker that anything repeated would have come before.
    /// </summary>
    private static async Task AssertOneCopyAsync(TestUser sender, ChatConnection senderDevice, ChatConnection otherMember, string chatId, Message original)
    {
        var history = await sender.Api.GetMessagesAsync(chatId);
        var copy = Assert.Single(history);
        Assert.Equal(original.MessageId, copy.MessageId);
        Assert.Equal(original.Seq, copy.Seq);
        Assert.Equal(original.Text, copy.Text);

        var marker = await senderDevice.SendMessageAsync(chatId, "marker-" + Guid.NewGuid().ToString("N"), "marker");
        Assert.Equal(original.Seq + 1, marker.Seq);
        await E2E.WaitForSeqAsync(otherMember, chatId, marker.Seq);
        await E2E.MarkerAsync(otherMember);
        var seen = E2E.MessagesOf(otherMember, chatId);
        Assert.Equal([original.MessageId, marker.MessageId], seen.Select(m => m.MessageId).ToList());
    }
}
