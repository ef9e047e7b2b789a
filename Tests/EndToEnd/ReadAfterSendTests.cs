using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// Sending moves the sender's read position, and right after the send's ack the sender's
/// <c>GET /chats</c> shows it: the chat list never lags the ack, even though the sender's own grain
/// hears of the move a moment later.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReadAfterSendTests
{
    private const int Rounds = 200;

    [Fact]
    public async Task TheChatListShowsTheAckedSeqAsReadRightAfterEverySend()
    {
        // Unthrottled: the rounds send faster than a device's budget allows.
        await using var gateway = await TestGateway.StartAsync(E2E.Unthrottled);
        var baseUri = gateway.BaseUri;
        using var alice = await Proto.RegisterAsync(baseUri);
        using var bob = await Proto.RegisterAsync(baseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        var group = (await alice.Api.CreateGroupAsync("reads", [bob.Id])).ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var bobPhone = await bob.ConnectAsync("phone");
        var lagging = new List<string>();

        for (var i = 0; i < Rounds; i++)
        {
            var chatId = i % 2 == 0 ? direct : group;
            // Bob's messages before it: the read position has something to move past.
            await bobPhone.SendMessageAsync(chatId, $"b{i}", "from bob");
            var sent = await phone.SendMessageAsync(chatId, $"a{i}", "from alice");

            var chats = await alice.Api.GetChatsAsync();
            var chat = Assert.Single(chats, c => c.ChatId == chatId);
            if (chat.LastReadSeq < sent.Seq || chat.UnreadCount != 0)
            {
                lagging.Add($"round {i}: ack seq {sent.Seq}, last_read_seq {chat.LastReadSeq}, unread {chat.UnreadCount}");
            }
        }

        Assert.True(lagging.Count == 0, string.Join("\n", lagging));

        // The stored position catches up too: bob's next message is the only unread one.
        await bobPhone.SendMessageAsync(direct, "last", "one more");
        var final = Assert.Single(await alice.Api.GetChatsAsync(), c => c.ChatId == direct);
        Assert.Equal(1, final.UnreadCount);
    }
}
