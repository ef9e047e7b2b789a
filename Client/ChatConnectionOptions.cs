using System.Net.WebSockets;

namespace ChatOrleans.Client;

/// <summary>Settings for <see cref="ChatConnection.ConnectAsync(Uri, string?, string?, ChatConnectionOptions?, CancellationToken)"/>; read once at connect.</summary>
public sealed class ChatConnectionOptions
{
    /// <summary>
    /// Send <c>delivered</c> (without <c>req_id</c>) for the <c>new_message</c> events received, as a real client would
    /// (merged over <see cref="AutoDeliveredDelay"/>).
    /// Default <c>false</c>. Can be changed later through <see cref="ChatConnection.AutoDelivered"/>.
    /// </summary>
    public bool AutoDelivered { get; set; }

    /// <summary>
    /// How long automatic <c>delivered</c> acks are held and merged (the highest seq per chat) before they are sent;
    /// <see cref="ChatConnection.CloseAsync"/> sends them at once. Default 250 ms; <see cref="TimeSpan.Zero"/> sends one
    /// per message.
    /// </summary>
    public TimeSpan AutoDeliveredDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Keep every event in <see cref="ChatConnection.Received"/>. Default <c>true</c>; load generators may turn it off.</summary>
    public bool RecordReceived { get; set; } = true;

    /// <summary>
    /// Write every event to <see cref="ChatConnection.Events"/> (used by <see cref="ChatConnection.WaitForAsync{T}"/>).
    /// Default <c>true</c>. Turn it off for connections nobody reads, or the unbounded channel grows forever.
    /// </summary>
    public bool PublishEvents { get; set; } = true;

    /// <summary>
    /// Called on the receive loop with every event, before it is recorded or published: the cheapest way to follow a
    /// busy connection (no queue, no extra task). It runs before the next frame is read, so keep it short; an exception
    /// it throws ends the connection as a failure. Default <c>null</c>.
    /// </summary>
    public Action<ServerEvent>? OnEvent { get; set; }

    /// <summary>
    /// Send the token in <c>Authorization: Bearer</c> on the upgrade request. Default <c>true</c>: a token in a URL
    /// ends up in proxies' access logs. <c>false</c> sends the legacy <c>access_token</c> query parameter. With a
    /// <see cref="WebSocketFactory"/> the token always goes in the query, since the factory opens the socket and
    /// sets its own headers; prefer <see cref="HttpInvoker"/> there.
    /// </summary>
    public bool SendTokenInHeader { get; set; } = true;

    /// <summary>
    /// The invoker the <see cref="ClientWebSocket"/> connects through (e.g. a <see cref="System.Net.Http.SocketsHttpHandler"/>
    /// bound to a source address), keeping the token in the header. Default <c>null</c>: the socket's own connection.
    /// </summary>
    public System.Net.Http.HttpMessageInvoker? HttpInvoker { get; set; }

    /// <summary>How long to wait for the upgrade and <c>welcome</c>. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request waits for its <c>ack</c>/<c>error</c>/<c>pong</c> before <see cref="TimeoutException"/>. Default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The timeout of <see cref="ChatConnection.WaitForAsync{T}"/> when none is given. Default 10 s.</summary>
    public TimeSpan DefaultWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="ChatConnection.CloseAsync"/> waits for the server's close before aborting. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The client's keep-alive interval. Default <see cref="TimeSpan.Zero"/>: off, so an idle connection holds
    /// no timer (the server's pings are still answered).
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.Zero;

    /// <summary>The largest server message accepted; a bigger one aborts the connection. Default 16 MiB.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Adjusts the <see cref="ClientWebSocketOptions"/> before connecting (ignored with <see cref="WebSocketFactory"/>).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>
    /// Opens the socket instead of <see cref="ClientWebSocket"/>, e.g.
    /// <c>(uri, ct) =&gt; testServer.CreateWebSocketClient().ConnectAsync(uri, ct)</c>. It receives the full
    /// <c>ws://…/ws?access_token=…&amp;device_id=…</c> URI (the token in the query: it cannot be handed a header).
    /// Its exceptions propagate as they are.
    /// </summary>
    public Func<Uri, CancellationToken, Task<WebSocket>>? WebSocketFactory { get; set; }
}
