using System.Net.WebSockets;
using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>A text frame that is not UTF-8 ends the connection with close code 1007, not a reset.</summary>
[Trait("Category", "Integration")]
public sealed class InvalidUtf8Tests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0xFD })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D })] // {"type":"\xC3("}
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D })] // an encoded surrogate, U+D800
    [InlineData(new byte[] { 0x22, 0xC0, 0xAF, 0x22 })] // an overlong '/'
    [InlineData(new byte[] { 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22 })] // above U+10FFFF
    [InlineData(new byte[] { 0x22, 0x61, 0xE2, 0x82 })] // cut short at the end
    public async Task InvalidUtf8InATextFrameClosesWith1007(byte[] payload)
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Proto.Timeout);
        await socket.ConnectAsync(ChatConnection.BuildWebSocketUri(fixture.BaseUri, alice.Token, "phone"), timeout.Token);

        await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);

        // Read whatever comes (welcome, sync_done) until the close frame.
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, result.CloseStatus);
    }

    [Fact]
    public async Task InvalidUtf8AtTheStartOfALargeFrameFollowedByMoreFramesClosesWith1007()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Proto.Timeout);
        await socket.ConnectAsync(ChatConnection.BuildWebSocketUri(fixture.BaseUri, alice.Token, "phone"), timeout.Token);

        // The server finds the bad byte long before the end of the frame, with more frames behind it:
        // dropping the socket with all that unread would reset the connection and lose the close frame.
        var payload = new byte[4_000_000];
        payload.AsSpan().Fill((byte)'a');
        payload[0] = 0xFF;
        await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var ping = "{\"type\":\"ping\",\"req_id\":\"after\"}"u8.ToArray();
        for (var i = 0; i < 20; i++)
        {
            await socket.SendAsync(ping, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        }

        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, result.CloseStatus);
    }

    [Fact]
    public async Task InvalidUtf8InTheLastFragmentOfATextMessageClosesWith1007()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Proto.Timeout);
        await socket.ConnectAsync(ChatConnection.BuildWebSocketUri(fixture.BaseUri, alice.Token, "phone"), timeout.Token);

        await socket.SendAsync("{\"type\":\"ping\",\"req_id\":\""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false, timeout.Token);
        await socket.SendAsync(new byte[] { 0xE2, 0x28, 0xA1, 0x22, 0x7D }, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);

        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, result.CloseStatus);
    }

    [Fact]
    public async Task AfterInvalidUtf8TheSameDeviceReconnects()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        await using (var first = await alice.ConnectAsync("phone"))
        {
            await first.SendRawAsync(new byte[] { 0x22, 0xFF, 0x22 }, WebSocketMessageType.Text);
            await first.Closed.WaitAsync(Proto.Timeout);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, first.CloseStatus);
        }

        await using var again = await alice.ConnectAsync("phone");
        await again.PingAsync();
        Assert.False(again.IsClosed);
    }
}
