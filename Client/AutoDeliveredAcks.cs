namespace ChatOrleans.Client;

/// <summary>
/// The automatic <c>delivered</c> acks of one connection. <c>delivered</c> is cumulative, so the
/// client holds them for <see cref="ChatConnectionOptions.AutoDeliveredDelay"/> and then sends the
/// highest seq of each chat: ten messages in a burst cost the device, its radio and the server one
/// frame instead of ten. A graceful close sends what is held first; a crash loses it, and the
/// server then replays those messages, which a client drops by (chat_id, seq).
/// </summary>
internal sealed class AutoDeliveredAcks(Func<string, long, Task> send, TimeSpan delay)
{
    private readonly Lock _lock = new();
    private Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private bool _scheduled;

    public void Note(string chatId, long seq)
    {
        if (delay <= TimeSpan.Zero)
        {
            _ = SendAsync(chatId, seq);
            return;
        }

        lock (_lock)
        {
            if (!_pending.TryGetValue(chatId, out var known) || seq > known)
            {
                _pending[chatId] = seq;
            }

            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
        }

        _ = SendLaterAsync();
    }

    /// <summary>Sends every held ack now.</summary>
    public async Task FlushAsync()
    {
        Dictionary<string, long> batch;
        lock (_lock)
        {
            batch = _pending;
            _pending = new(StringComparer.Ordinal);
            _scheduled = false;
        }

        foreach (var (chatId, seq) in batch)
        {
            await SendAsync(chatId, seq).ConfigureAwait(false);
        }
    }

    private async Task SendLaterAsync()
    {
        await Task.Delay(delay).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
    }

    private async Task SendAsync(string chatId, long seq)
    {
        try
        {
            await send(chatId, seq).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is closing or gone: what was not acked is replayed at the next connect.
        }
    }
}
