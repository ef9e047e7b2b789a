namespace ChatOrleans.Gateway.WebSockets.KeepAlive;

/// <summary>
/// The upgraded connection's stream under one server WebSocket, with a way to send a keep-alive
/// frame (an unsolicited pong, RFC 6455 section 5.5.3) from outside the socket. The gateway's
/// <see cref="ConnectionSweeper"/> sends them for all sockets in one pass, instead of the runtime's
/// timer per socket: ten thousand idle sockets then wake the process a few times a minute rather
/// than hundreds of times a second.
/// </summary>
/// <remarks>
/// A frame may only go between two others: every write of the WebSocket passes through here
/// under one lock, and the runtime's WebSocket writes each frame, header and payload, in one
/// write (covered by <c>Tests/Gateway/KeepAliveStreamTests.cs</c> and the end-to-end test that
/// reads raw frames). Control frames may come between the fragments of a message, so a
/// keep-alive can never split one. Once a close frame went out, none follows it.
/// </remarks>
public sealed class KeepAliveStream(Stream inner, TimeProvider time) : Stream
{
    /// <summary>FIN and opcode 0xA (pong), unmasked as server frames are, no payload.</summary>
    private static readonly byte[] PongFrame = [0x8A, 0x00];

    private const int CloseOpcode = 0x8;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _lastWrite = time.GetTimestamp();
    private volatile bool _closeSent;

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Sends one keep-alive when nothing was written since <paramref name="timestamp"/> (of the
    /// stream's <see cref="TimeProvider"/>). Skips it (false) when something was, when a write is
    /// under way (that write is traffic enough), or after the close frame. A failed write is left
    /// for the socket to find: its next receive or send fails, and the connection ends there.
    /// </summary>
    public Task<bool> SendIfSilentSince(long timestamp) =>
        _closeSent || Volatile.Read(ref _lastWrite) > timestamp || !_writeLock.Wait(0)
            ? Skipped
            : SendLockedAsync();

    private static readonly Task<bool> Skipped = Task.FromResult(false);

    private async Task<bool> SendLockedAsync()
    {
        try
        {
            if (_closeSent)
            {
                return false;
            }

            await inner.WriteAsync(PongFrame);
            Volatile.Write(ref _lastWrite, time.GetTimestamp());
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            NoteFrame(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
            Volatile.Write(ref _lastWrite, time.GetTimestamp());
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _writeLock.Wait();
        try
        {
            NoteFrame(buffer);
            inner.Write(buffer);
            Volatile.Write(ref _lastWrite, time.GetTimestamp());
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A write of the WebSocket is one whole frame: once it is the close frame, no keep-alive follows.</summary>
    private void NoteFrame(ReadOnlySpan<byte> frame)
    {
        if (!frame.IsEmpty && (frame[0] & 0x0F) == CloseOpcode)
        {
            _closeSent = true;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
