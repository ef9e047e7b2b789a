using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// A client that keeps many sends in flight on one connection (the gateway reads on while they are
/// stored): each chat's seqs follow the order sent, a refusal answers only its own frame, and a
/// request sent right after the sends sees all of them, as if every frame had been handled alone.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PipelinedSendTests(UnthrottledGatewayFixture fixture) : IClassFixture<UnthrottledGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task SendsInterleavedOverTwoChatsKeepEachChatsOrderAndAHistoryRequestedRightAfterHoldsThemAll()
    {
        const int perChat = 30;
        var users = await E2E.RegisterManyAsync(BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var first = (await alice.Api.CreateGroupAsync("first", [bob.UserId])).ChatId;
        var second = (await alice.Api.CreateGroupAsync("second", [bob.UserId])).ChatId;
        await using var phone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        // Every frame goes out before any answer is awaited: the history requests are read while
        // the sends before them may still be on their way to the log.
        var sends = new List<(string Chat, string ClientMsgId, Task<Message> Ack)>();
        for (var i = 1; i <= perChat; i++)
        {
            foreach (var chat in new[] { first, second })
            {
                var id = $"{chat[^4..]}-{i}";
                sends.Add((chat, id, phone.SendMessageAsync(chat, id, $"message {i}")));
            }
        }

        var firstHistory = phone.FetchHistoryAsync(first, afterSeq: 0, limit: 200);
        var secondHistory = phone.FetchHistoryAsync(second, afterSeq: 0, limit: 200);
        await Task.WhenAll(sends.Select(s => s.Ack)).WaitAsync(E2E.Timeout * 3);

        foreach (var (chat, history) in new[] { (first, firstHistory), (second, secondHistory) })
        {
            var acked = sends.Where(s => s.Chat == chat).Select(s => s.Ack.Result).ToList();
            Assert.Equal(sends.Where(s => s.Chat == chat).Select(s => s.ClientMsgId), acked.Select(m => m.ClientMsgId));
            E2E.AssertRange(acked.Select(m => m.Seq).ToList(), 1, perChat, $"acked seqs of {chat}, in the order sent");
            var held = await history.WaitAsync(E2E.Timeout);
            Assert.Equal(acked.Select(m => m.MessageId), held.Select(m => m.MessageId));
        }

        var chats = await bob.Api.GetChatsAsync();
        Assert.All(chats.Where(c => c.ChatId == first || c.ChatId == second), c => Assert.Equal(perChat, c.LastSeq));
    }

    [Fact]
    public async Task RefusedSendsAmongPipelinedOnesAnswerOnlyThemselves()
    {
        var users = await E2E.RegisterManyAsync(BaseUri, 2);
        var (alice, bob) = (users[0], users[1]);
        var chatId = (await alice.Api.CreateGroupAsync("refusals", [bob.UserId])).ChatId;
        await using var phone = await E2E.ConnectAsync(BaseUri, alice, "phone");

        var before = phone.SendMessageAsync(chatId, "before", "before");
        var tooLong = phone.SendMessageAsync(chatId, "too-long", new string('x', 16_001));
        var orphan = phone.SendMessageAsync(chatId, "orphan", "a reply to nothing", parentMessageId: "m_nosuchmessage");
        var after = phone.SendMessageAsync(chatId, "after", "after");

        Assert.Equal(1, (await before.WaitAsync(E2E.Timeout)).Seq);
        Assert.Equal("too_large", (await Assert.ThrowsAsync<ChatRequestException>(() => tooLong.WaitAsync(E2E.Timeout))).Code);
        Assert.Equal("bad_request", (await Assert.ThrowsAsync<ChatRequestException>(() => orphan.WaitAsync(E2E.Timeout))).Code);
        Assert.Equal(2, (await after.WaitAsync(E2E.Timeout)).Seq);
        Assert.Equal(["before", "after"], (await bob.Api.GetMessagesAsync(chatId)).Select(m => m.Text));
    }
}
