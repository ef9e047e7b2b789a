using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>A gateway whose sockets get a keep-alive after two seconds of silence.</summary>
public sealed class KeepAliveGatewayFixture : SharedGatewayFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Gateway:KeepAliveInterval"] = "00:00:02",
    };
}

/// <summary>
/// The gateway's keep-alives read off the wire, frame by frame, by a client that speaks RFC 6455
/// itself: an idle socket gets an empty pong about every interval, between whole frames, and the
/// socket's own frames are intact around them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class KeepAliveTests(KeepAliveGatewayFixture fixture) : IClassFixture<KeepAliveGatewayFixture>
{
    private const int Text = 0x1;
    private const int Pong = 0xA;

    [Fact]
    public async Task AnIdleSocketGetsEmptyPongsBetweenWholeFramesAndKeepsWorking()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.BaseUri.Host, fixture.BaseUri.Port, timeout.Token);
        var stream = tcp.GetStream();
        await UpgradeAsync(stream, alice.Token, timeout.Token);

        // welcome and sync_done, then silence: the keep-alives are all that comes.
        var frames = new List<(int Opcode, string Payload)>();
        while (frames.Count(f => f.Opcode == Pong) < 2)
        {
            frames.Add(await ReadFrameAsync(stream, timeout.Token));
        }

        Assert.Equal(["welcome", "sync_done"], frames.Where(f => f.Opcode == Text).Select(f => TypeOf(f.Payload)));
        Assert.All(frames, f => Assert.True(f.Opcode is Text or Pong, $"unexpected opcode {f.Opcode}"));
        Assert.All(frames.Where(f => f.Opcode == Pong), f => Assert.Equal("", f.Payload));

        // The socket still speaks: a request between keep-alives is answered intact.
        await WriteMaskedTextAsync(stream, """{"type":"ping","req_id":"after-keep-alives"}""", timeout.Token);
        (int Opcode, string Payload) answer;
        do
        {
            answer = await ReadFrameAsync(stream, timeout.Token);
        }
        while (answer.Opcode == Pong);

        Assert.Equal(Text, answer.Opcode);
        Assert.Contains("\"pong\"", answer.Payload, StringComparison.Ordinal);
        Assert.Contains("\"after-keep-alives\"", answer.Payload, StringComparison.Ordinal);
    }

    private static async Task UpgradeAsync(NetworkStream stream, string token, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request =
            "GET /ws?device_id=raw HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            head.Add(one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
    }

    /// <summary>One whole server frame (servers do not mask): its opcode and its payload as text.</summary>
    private static async Task<(int Opcode, string Payload)> ReadFrameAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header, cancellationToken);
        Assert.True((header[0] & 0x80) != 0, "a server frame of this protocol is never fragmented");
        Assert.True((header[1] & 0x80) == 0, "a server frame is not masked");
        long length = header[1] & 0x7F;
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await stream.ReadExactlyAsync(extended, cancellationToken);
            length = 0;
            foreach (var b in extended)
            {
                length = (length << 8) | b;
            }
        }

        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[0] & 0x0F, Encoding.UTF8.GetString(payload));
    }

    private static async Task WriteMaskedTextAsync(NetworkStream stream, string text, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        Assert.True(payload.Length < 126);
        var mask = RandomNumberGenerator.GetBytes(4);
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        await stream.WriteAsync(frame, cancellationToken);
    }

    private static string TypeOf(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("type").GetString()!;
}
