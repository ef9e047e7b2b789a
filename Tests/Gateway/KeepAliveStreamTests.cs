using ChatOrleans.Gateway.WebSockets.KeepAlive;
using Microsoft.Extensions.Time.Testing;

namespace ChatOrleans.Tests.Gateway;

/// <summary>
/// The stream under a server WebSocket through which the gateway sends its keep-alives: an
/// unmasked empty pong, only after the given silence, never inside another write, never after
/// the close frame, and every other write passed through unchanged.
/// </summary>
[Trait("Category", "Unit")]
public sealed class KeepAliveStreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly HeldStream _inner = new();

    [Fact]
    public async Task AKeepAliveIsAnEmptyPongSentOnlyAfterTheSilence()
    {
        var stream = new KeepAliveStream(_inner, _time);
        await stream.WriteAsync(new byte[] { 0x81, 0x01, (byte)'x' });

        Assert.False(await stream.SendIfSilentSince(_time.GetTimestamp() - 1));
        _time.Advance(TimeSpan.FromSeconds(30));
        var since = _time.GetTimestamp() - 1;
        Assert.True(await stream.SendIfSilentSince(since));

        Assert.Equal([0x81, 0x01, (byte)'x', 0x8A, 0x00], _inner.Written);

        // The keep-alive counts as a write: the next one waits for another silence.
        Assert.False(await stream.SendIfSilentSince(since));
    }

    [Fact]
    public async Task NoKeepAliveGoesInsideAWriteUnderWay()
    {
        var stream = new KeepAliveStream(_inner, _time);
        _time.Advance(TimeSpan.FromSeconds(30));
        _inner.Hold();
        var frame = stream.WriteAsync(new byte[] { 0x81, 0x00 }).AsTask();
        await _inner.WriteStarted.WaitAsync(Timeout);

        Assert.False(await stream.SendIfSilentSince(_time.GetTimestamp()));

        _inner.Release();
        await frame.WaitAsync(Timeout);
        Assert.Equal([0x81, 0x00], _inner.Written);
    }

    [Fact]
    public async Task NoKeepAliveFollowsTheCloseFrame()
    {
        var stream = new KeepAliveStream(_inner, _time);
        await stream.WriteAsync(new byte[] { 0x88, 0x02, 0x03, 0xE8 });
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(await stream.SendIfSilentSince(_time.GetTimestamp()));
        Assert.Equal([0x88, 0x02, 0x03, 0xE8], _inner.Written);
    }

    [Fact]
    public async Task AFailedKeepAliveIsReportedAsNotSentAndLeavesTheStreamUsable()
    {
        var stream = new KeepAliveStream(_inner, _time);
        _time.Advance(TimeSpan.FromSeconds(30));
        _inner.FailNextWrite();

        Assert.False(await stream.SendIfSilentSince(_time.GetTimestamp()));

        await stream.WriteAsync(new byte[] { 0x81, 0x00 }).AsTask().WaitAsync(Timeout);
        Assert.Equal([0x81, 0x00], _inner.Written);
    }

    /// <summary>A write side that records what it got and can hold a write or fail one.</summary>
    private sealed class HeldStream : Stream
    {
        private readonly List<byte> _written = [];
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _held;
        private bool _fail;

        public byte[] Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written];
                }
            }
        }

        public Task WriteStarted => _started.Task;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Hold() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _held?.TrySetResult();

        public void FailNextWrite() => _fail = true;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            if (_fail)
            {
                _fail = false;
                throw new IOException("the peer went away");
            }

            if (_held is { } held)
            {
                await held.Task;
            }

            lock (_written)
            {
                _written.AddRange(buffer.ToArray());
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
