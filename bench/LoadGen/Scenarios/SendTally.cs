using System.Collections.Concurrent;
using ChatOrleans.Client;
using ChatOrleans.LoadGen.Infrastructure;
using ChatOrleans.LoadGen.Transports;

namespace ChatOrleans.LoadGen.Scenarios;

/// <summary>
/// What an open-loop sender measured: its acks and the deliveries of what it sent, each with its latency from when the
/// message was due, and its refused sends by error code. Thread-safe: sends and receive loops record at once.
/// </summary>
internal sealed class SendTally
{
    public readonly LatencyRecorder Ack = new();
    public readonly LatencyRecorder Delivery = new();
    public readonly ConcurrentDictionary<string, long> Errors = new();
    public long Expected;
    public long Received;
    public long Acked;

    /// <summary>A second tally that records the same sends and deliveries from now on (a window's, inside a whole run's); null for none.</summary>
    public SendTally? Window { get; set; }

    /// <summary>The code a refused send is counted under: the server's error code, or the exception's type.</summary>
    public static string ErrorCode(Exception exception) => exception is ChatRequestException request ? request.Code : exception.GetType().Name;

    /// <summary>
    /// Sends one message due at <paramref name="dueAt"/> that <paramref name="recipients"/> devices should receive,
    /// and records its ack latency, or its error: a refused send delivers nothing, so it is counted as an error, not
    /// as missing deliveries.
    /// </summary>
    public async Task SendAsync(
        IBenchTransport transport, int device, int chat, string clientMsgId, string text, int recipients, long dueAt, CancellationToken cancellationToken)
    {
        SendTally? window = Window;
        Expecting(recipients);
        window?.Expecting(recipients);
        try
        {
            await transport.SendAsync(device, chat, clientMsgId, text, cancellationToken).ConfigureAwait(false);
            long latency = BenchClock.Now - dueAt;
            AckedAfter(latency);
            window?.AckedAfter(latency);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Expecting(-recipients);
            window?.Expecting(-recipients);
            Errors.AddOrUpdate(ErrorCode(ex), 1, (_, n) => n + 1);
        }
    }

    public void Delivered(long latencyTicks)
    {
        Delivery.RecordTicks(latencyTicks);
        Interlocked.Increment(ref Received);
        Window?.Delivered(latencyTicks);
    }

    private void Expecting(int recipients) => Interlocked.Add(ref Expected, recipients);

    private void AckedAfter(long latencyTicks)
    {
        Ack.RecordTicks(latencyTicks);
        Interlocked.Increment(ref Acked);
    }

    public Dictionary<string, long> ErrorCounts() => Errors.ToDictionary(kv => kv.Key, kv => kv.Value);
}
