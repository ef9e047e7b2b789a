using System.Collections.Concurrent;
using ChatOrleans.Gateway.WebSockets;

namespace ChatOrleans.Tests.Gateway;

/// <summary>
/// A connection's sends while they are stored: one call in flight per chat, the sends that came
/// in meanwhile in the next call in arrival order, chats independent of each other, the receive
/// loop held back only past the limit, and "all answered" for the frames that must wait.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SendPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly HeldCalls _calls = new();

    [Fact]
    public async Task SendsToAChatWhileItsCallIsInFlightGoTogetherInTheNextCallInArrivalOrder()
    {
        var pipeline = Pipeline(maxUnanswered: 100);

        await pipeline.Submit("a", 1);
        var first = await _calls.Started("a", 1);
        await pipeline.Submit("a", 2);
        await pipeline.Submit("a", 3);
        await pipeline.Submit("a", 4);
        Assert.Equal(1, _calls.StartedCount("a"));

        first.Release();
        var second = await _calls.Started("a", 2);
        Assert.Equal([1], first.Sends);
        Assert.Equal([2, 3, 4], second.Sends);
        Assert.Equal(3, pipeline.Unanswered);

        second.Release();
        await pipeline.AllAnswered().WaitAsync(Timeout);
        Assert.Equal(0, pipeline.Unanswered);
        Assert.Equal(2, _calls.StartedCount("a"));
    }

    [Fact]
    public async Task ChatsAreCalledIndependently()
    {
        var pipeline = Pipeline(maxUnanswered: 100);

        await pipeline.Submit("a", 1);
        await pipeline.Submit("b", 2);
        var a = await _calls.Started("a", 1);
        var b = await _calls.Started("b", 1);

        b.Release();
        Assert.False(pipeline.AllAnswered().IsCompleted);
        await pipeline.Submit("b", 3);
        var b2 = await _calls.Started("b", 2);
        Assert.Equal([3], b2.Sends);

        b2.Release();
        a.Release();
        await pipeline.AllAnswered().WaitAsync(Timeout);
        Assert.Equal([1], a.Sends);
    }

    [Fact]
    public async Task TheReceiveLoopWaitsOnlyWhenTheLimitIsReached()
    {
        var pipeline = Pipeline(maxUnanswered: 3);

        Assert.True(pipeline.Submit("a", 1).AsTask().IsCompleted);
        var first = await _calls.Started("a", 1);
        Assert.True(pipeline.Submit("a", 2).AsTask().IsCompleted);
        var full = pipeline.Submit("a", 3).AsTask();
        Assert.False(full.IsCompleted);

        first.Release();
        await full.WaitAsync(Timeout);
        var second = await _calls.Started("a", 2);
        Assert.Equal([2, 3], second.Sends);
        second.Release();
        await pipeline.AllAnswered().WaitAsync(Timeout);
    }

    [Fact]
    public async Task AllAnsweredWaitsForEverySendHandedOverBeforeIt()
    {
        var pipeline = Pipeline(maxUnanswered: 100);
        Assert.True(pipeline.AllAnswered().IsCompleted);

        await pipeline.Submit("a", 1);
        var call = await _calls.Started("a", 1);
        var answered = pipeline.AllAnswered();
        Assert.False(answered.IsCompleted);

        call.Release();
        await answered.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ACallThatThrowsIsReportedAndItsSendsStillCountAsAnswered()
    {
        var faults = new ConcurrentQueue<Exception>();
        var pipeline = new SendPipeline<int>(
            maxUnanswered: 100,
            (chatId, sends) => chatId == "broken" ? Task.FromException(new InvalidOperationException("bug")) : _calls.Call(chatId, sends),
            faults.Enqueue);

        await pipeline.Submit("broken", 1);
        await pipeline.AllAnswered().WaitAsync(Timeout);

        Assert.IsType<InvalidOperationException>(Assert.Single(faults));
        Assert.Equal(0, pipeline.Unanswered);

        await pipeline.Submit("broken", 2);
        await pipeline.AllAnswered().WaitAsync(Timeout);
        Assert.Equal(2, faults.Count);
    }

    private SendPipeline<int> Pipeline(int maxUnanswered) =>
        new(maxUnanswered, _calls.Call, ex => Assert.Fail($"unexpected fault: {ex}"));

    /// <summary>Calls that wait until the test releases them, recorded per chat in the order they started.</summary>
    private sealed class HeldCalls
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, List<HeldCall>> _byChat = new(StringComparer.Ordinal);
        private readonly List<(string Chat, int Count, TaskCompletionSource<HeldCall> Reached)> _waiters = [];

        public Task Call(string chatId, IReadOnlyList<int> sends)
        {
            var call = new HeldCall(sends.ToArray());
            lock (_gate)
            {
                if (!_byChat.TryGetValue(chatId, out var calls))
                {
                    _byChat[chatId] = calls = [];
                }

                calls.Add(call);
                foreach (var waiter in _waiters.Where(w => w.Chat == chatId && w.Count == calls.Count).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Reached.TrySetResult(call);
                }
            }

            return call.Done;
        }

        public int StartedCount(string chatId)
        {
            lock (_gate)
            {
                return _byChat.TryGetValue(chatId, out var calls) ? calls.Count : 0;
            }
        }

        /// <summary>The <paramref name="count"/>th call to the chat, once it started.</summary>
        public Task<HeldCall> Started(string chatId, int count)
        {
            lock (_gate)
            {
                if (_byChat.TryGetValue(chatId, out var calls) && calls.Count >= count)
                {
                    return Task.FromResult(calls[count - 1]);
                }

                var reached = new TaskCompletionSource<HeldCall>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((chatId, count, reached));
                return reached.Task.WaitAsync(Timeout);
            }
        }
    }

    private sealed class HeldCall(int[] sends)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int[] Sends { get; } = sends;

        public Task Done => _done.Task;

        public void Release() => _done.TrySetResult();
    }
}
