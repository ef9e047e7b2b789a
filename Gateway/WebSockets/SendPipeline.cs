namespace ChatOrleans.Gateway.WebSockets;

/// <summary>
/// One connection's sends on their way to their chats. The receive loop hands a send over and
/// reads the next frame; what waits for the chat's durable write is the client's ack, not the
/// socket. Per chat one call is in flight at a time, and it carries every send to that chat that
/// came in meanwhile, in arrival order. So the seqs follow the order the client sent them
/// (PROTOCOL.md: sends on one connection get seqs in the order sent) whatever order calls reach
/// the chat in, and a client keeping several sends in flight fills one log write with them
/// instead of paying a write each.
/// </summary>
/// <remarks>
/// At most <c>maxUnanswered</c> sends of the connection wait for their answer; past that the task
/// <see cref="Submit"/> returns completes only when one is answered, so the receive loop stops
/// reading and the client cannot queue work faster than its chats store it. Called by the one
/// receive loop; calls end on the thread pool, hence the lock.
/// </remarks>
/// <param name="maxUnanswered">Sends handed over and not yet answered, at most.</param>
/// <param name="deliver">
/// Sends one chat's sends in one call and answers each; it handles its own failures (an error
/// answer per send) and throws only on a bug, which <paramref name="onFault"/> hears of.
/// </param>
/// <param name="onFault">Hears what <paramref name="deliver"/> threw.</param>
public sealed class SendPipeline<TSend>(int maxUnanswered, Func<string, IReadOnlyList<TSend>, Task> deliver, Action<Exception> onFault)
{
    private readonly Lock _gate = new();

    // A chat is here while a call to it is in flight; its list holds the sends waiting behind that call.
    private readonly Dictionary<string, List<TSend>?> _waitingByChat = new(StringComparer.Ordinal);
    private int _unanswered;
    private TaskCompletionSource? _roomWaiter;
    private TaskCompletionSource? _answeredWaiter;

    /// <summary>Sends handed over and not yet answered.</summary>
    public int Unanswered
    {
        get
        {
            lock (_gate)
            {
                return _unanswered;
            }
        }
    }

    /// <summary>
    /// Hands one send to <paramref name="chatId"/> over. The task completes at once, or once an
    /// earlier send was answered when <c>maxUnanswered</c> are waiting.
    /// </summary>
    public ValueTask Submit(string chatId, TSend send)
    {
        bool start;
        Task? room = null;
        lock (_gate)
        {
            _unanswered++;
            if (_waitingByChat.TryGetValue(chatId, out var waiting))
            {
                start = false;
                if (waiting is null)
                {
                    _waitingByChat[chatId] = waiting = [];
                }

                waiting.Add(send);
            }
            else
            {
                start = true;
                _waitingByChat[chatId] = null;
            }

            if (_unanswered >= maxUnanswered)
            {
                room = (_roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        if (start)
        {
            _ = RunAsync(chatId, [send]);
        }

        return room is null ? ValueTask.CompletedTask : new ValueTask(room);
    }

    /// <summary>Completes once every send handed over so far is answered.</summary>
    public Task AllAnswered()
    {
        lock (_gate)
        {
            return _unanswered == 0
                ? Task.CompletedTask
                : (_answeredWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Calls one chat until no send to it is left waiting.</summary>
    private async Task RunAsync(string chatId, IReadOnlyList<TSend> sends)
    {
        while (true)
        {
            try
            {
                await deliver(chatId, sends);
            }
            catch (Exception ex)
            {
                onFault(ex);
            }

            TaskCompletionSource? room = null;
            TaskCompletionSource? answered = null;
            List<TSend>? next;
            lock (_gate)
            {
                _unanswered -= sends.Count;
                if (_unanswered < maxUnanswered)
                {
                    (room, _roomWaiter) = (_roomWaiter, null);
                }

                if (_unanswered == 0)
                {
                    (answered, _answeredWaiter) = (_answeredWaiter, null);
                }

                next = _waitingByChat[chatId];
                if (next is null)
                {
                    _waitingByChat.Remove(chatId);
                }
                else
                {
                    _waitingByChat[chatId] = null;
                }
            }

            room?.TrySetResult();
            answered?.TrySetResult();
            if (next is null)
            {
                return;
            }

            sends = next;
        }
    }
}
