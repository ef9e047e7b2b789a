using ChatOrleans.Client;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// A JSON escape of half a surrogate pair (<c>"\ud800"</c>) is valid JSON but no Unicode text:
/// in any string of a frame it is the client's <c>bad_request</c>, never an <c>internal</c>
/// error with a stack trace in the log, and the connection stays open.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LoneSurrogateTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await TestGateway.StartAsync(configureServices: services => services.AddSingleton<ILoggerProvider>(_logs));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ALoneSurrogateInAnyStringFieldIsBadRequestWithItsReqIdAndNothingIsLoggedAtError()
    {
        using var alice = await Proto.RegisterAsync(_gateway.BaseUri);
        using var bob = await Proto.RegisterAsync(_gateway.BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var socket = await alice.ConnectAsync("phone");

        var frames = new (string ReqId, string Frame)[]
        {
            ("ls-type", """{"type":"\ud800","req_id":"ls-type"}"""),
            ("ls-type-low", """{"type":"send_message\udc00","req_id":"ls-type-low"}"""),
            ("ls-chat", """{"type":"fetch_history","req_id":"ls-chat","chat_id":"\ud800"}"""),
            ("ls-text", $$"""{"type":"send_message","req_id":"ls-text","chat_id":"{{direct}}","client_msg_id":"c1","text":"hi \ud83d there"}"""),
            ("ls-cmid", $$"""{"type":"send_message","req_id":"ls-cmid","chat_id":"{{direct}}","client_msg_id":"\udfff","text":"hi"}"""),
            ("ls-media", $$"""{"type":"send_message","req_id":"ls-media","chat_id":"{{direct}}","client_msg_id":"c2","media_ids":["\ud800"]}"""),
            ("ls-typing", $$"""{"type":"typing","req_id":"ls-typing","chat_id":"{{direct}}","state":"\ud800"}"""),
            ("ls-mark", """{"type":"mark_read","req_id":"ls-mark","chat_id":"x\udbff","seq":1}"""),
        };

        // In a field the server ignores, or in a field's name, it harms nothing: the frame is carried out.
        foreach (var (reqId, frame) in new[]
        {
            ("ok-unknown-field", """{"type":"ping","req_id":"ok-unknown-field","pad":"\ud800"}"""),
            ("ok-field-name", """{"\ud800":1,"type":"ping","req_id":"ok-field-name"}"""),
        })
        {
            await socket.SendRawAsync(frame);
            await socket.WaitForAsync<PongEvent>(p => p.ReqId == reqId, Proto.Timeout);
        }

        foreach (var (reqId, frame) in frames)
        {
            await socket.SendRawAsync(frame);
            var error = await socket.WaitForAsync<ErrorEvent>(e => e.ReqId == reqId, Proto.Timeout);
            Assert.True(error.Code == ErrorCodes.BadRequest, $"{frame}: {error}");
            await socket.PingAsync();
        }

        // A valid pair, escaped, is fine text.
        var sent = await socket.SendMessageAsync(direct, "pair", "\ud83d\ude00");
        Assert.Equal("😀", sent.Text);

        Assert.False(socket.IsClosed);
        Assert.Equal(new[] { "pair" }, (await alice.Api.GetMessagesAsync(direct)).Select(m => m.ClientMsgId));
        AssertNothingLoggedAtError();
    }

    [Fact]
    public async Task ALoneSurrogateInTheReqIdIsBadRequestWithoutReqIdAndTheConnectionStaysOpen()
    {
        using var alice = await Proto.RegisterAsync(_gateway.BaseUri);
        await using var socket = await alice.ConnectAsync("phone");

        foreach (var frame in new[]
        {
            """{"type":"ping","req_id":"\ud800"}""",
            """{"type":"ping","req_id":"a\udc00b"}""",
            """{"type":"ping","req_id":{"k":"\ud800"}}""",
            """{"type":"ping","req_id":["\ud800"]}""",
        })
        {
            await socket.SendRawAsync(frame);
            var error = await socket.WaitForAsync<ErrorEvent>(null, Proto.Timeout);
            Assert.True(error.Code == ErrorCodes.BadRequest && error.ReqId is null, $"{frame}: {error}");
            await socket.PingAsync();
        }

        // An escaped valid pair in req_id is echoed.
        await socket.SendRawAsync("""{"type":"ping","req_id":"ok-\ud83d\ude00"}""");
        await socket.WaitForAsync<PongEvent>(p => p.ReqId == "ok-😀", Proto.Timeout);

        Assert.False(socket.IsClosed);
        AssertNothingLoggedAtError();
    }

    [Fact]
    public async Task AFloodOfLoneSurrogateFramesLogsNothingAtError()
    {
        using var alice = await Proto.RegisterAsync(_gateway.BaseUri);
        await using var socket = await alice.ConnectAsync("phone", new ChatConnectionOptions { RecordReceived = false });

        for (var i = 0; i < 500; i++)
        {
            await socket.SendRawAsync($$"""{"type":"mark_read","req_id":"f{{i}}","chat_id":"\ud800","seq":1}""");
        }

        await socket.PingAsync();
        Assert.False(socket.IsClosed);
        AssertNothingLoggedAtError();
    }

    private void AssertNothingLoggedAtError()
    {
        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Category} {e.EventId}: {e.Message} {e.Exception?.GetType().Name}")));
    }
}
