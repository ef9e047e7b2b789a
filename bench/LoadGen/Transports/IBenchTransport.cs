namespace ChatOrleans.LoadGen.Transports;

/// <summary>A generated message arrived: the receiving device, the message text, and the generator's clock at receipt.</summary>
public delegate void TextReceived(int device, string text, long receivedTicks);

/// <summary>
/// One way to carry the generator's messages: the chat server itself, or a baseline (bare WebSocket broadcast, SignalR
/// hub). Scenarios that every transport can run are written against this.
/// </summary>
public interface IBenchTransport : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Whether a send completes on an application-level acknowledgement (not just the socket write).</summary>
    bool HasAcks { get; }

    /// <summary>Called for every generated message any device receives (also the sender's own copy).</summary>
    TextReceived? OnText { get; set; }

    /// <summary>Creates what the topology needs on the server (users, chats); returns setup timings by step.</summary>
    Task<IReadOnlyDictionary<string, double>> PrepareAsync(Topology topology, CancellationToken cancellationToken);

    /// <summary>Connects every device of the prepared topology; returns how many connected.</summary>
    Task<int> ConnectAllAsync(int concurrency, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="text"/> into chat <paramref name="chat"/> from device <paramref name="device"/>; completes on the ack.</summary>
    Task SendAsync(int device, int chat, string clientMsgId, string text, CancellationToken cancellationToken);

    /// <summary>Closes every device.</summary>
    Task DisconnectAllAsync();
}
