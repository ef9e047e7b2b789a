using System.Net;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// History with both <c>before_seq</c> and <c>after_seq</c> is the window between them: the first
/// <c>limit</c> above <c>after_seq</c> and below <c>before_seq</c>, over HTTP and <c>fetch_history</c> alike.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HistoryWindowTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task BothCursorsGiveTheWindowBetweenThemOverHttpAndTheSocket()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var chatId = (await alice.Api.CreateGroupAsync("window", [bob.Id])).ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        var sent = new List<ChatOrleans.Client.Message>();
        for (var i = 1; i <= 10; i++)
        {
            sent.Add(await phone.SendMessageAsync(chatId, $"w{i}", $"message {i}"));
        }

        await phone.DeleteMessageAsync(chatId, sent[4].MessageId); // seq 5

        foreach (var (before, after, limit, expected) in new (long Before, long After, int? Limit, long[] Expected)[]
        {
            (9, 6, 10, [7, 8]),          // the window only, not the first page above after_seq
            (9, 2, 3, [3, 4, 6]),        // the first limit above after_seq; the deleted one left out and not counted
            (9, 2, null, [3, 4, 6, 7, 8]),
            (4, 3, 50, []),              // nothing strictly between
            (3, 7, 50, []),              // an empty window
            (1_000, 8, 50, [9, 10]),
        })
        {
            var overHttp = await alice.Api.GetMessagesAsync(chatId, beforeSeq: before, afterSeq: after, limit: limit);
            Assert.True(expected.SequenceEqual(overHttp.Select(m => m.Seq)), $"HTTP before {before} after {after}: {string.Join(",", overHttp.Select(m => m.Seq))}");
            var overSocket = await phone.FetchHistoryAsync(chatId, beforeSeq: before, afterSeq: after, limit: limit);
            Assert.True(expected.SequenceEqual(overSocket.Select(m => m.Seq)), $"fetch_history before {before} after {after}: {string.Join(",", overSocket.Select(m => m.Seq))}");
        }

        // One cursor alone keeps its meaning.
        Assert.Equal([8L, 9L, 10L], (await alice.Api.GetMessagesAsync(chatId, afterSeq: 7)).Select(m => m.Seq));
        Assert.Equal([3L, 4L], (await alice.Api.GetMessagesAsync(chatId, beforeSeq: 6, limit: 2)).Select(m => m.Seq));
        Assert.Equal(HttpStatusCode.OK, alice.Api.LastStatusCode);
    }

    [Fact]
    public void HistoryQueryKeepsBothCursors()
    {
        var query = HistoryQuery.Create(9, 2, 1_000);
        Assert.Equal(new HistoryQuery(9, 2, HistoryQuery.MaxLimit), query);
    }
}
