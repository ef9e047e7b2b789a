using System.Collections.Concurrent;
using System.Security.Cryptography;
using ChatOrleans.Client;
using ChatOrleans.LoadGen.Infrastructure;

namespace ChatOrleans.LoadGen.Transports;

/// <summary>A user the generator registered: its credentials and API client.</summary>
public sealed record BenchUser(int Index, string Username, string UserId, string AccessToken);

/// <summary>One generated device and its current connection (null while offline).</summary>
public sealed class BenchDevice(int index, BenchUser user, string deviceId)
{
    public int Index { get; } = index;

    public BenchUser User { get; } = user;

    public string DeviceId { get; } = deviceId;

    public ChatConnection? Connection { get; internal set; }

    internal Task Reader { get; set; } = Task.CompletedTask;
}

public sealed class ChatTransportOptions
{
    /// <summary>Registrations in flight at once; each costs the server a password hash (PBKDF2), so more does not help much.</summary>
    public int RegisterParallelism { get; set; } = 8;

    /// <summary>Chat creations in flight at once.</summary>
    public int SetupParallelism { get; set; } = 16;

    /// <summary>Devices acknowledge every <c>new_message</c> with <c>delivered</c>, as real clients do.</summary>
    public bool AutoDelivered { get; set; } = true;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(120);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);
}

/// <summary>
/// The chat server under test, through the C# client library: users registered over HTTP with bounded parallelism,
/// chats created over HTTP, devices on <see cref="ChatConnection"/>s opened from many loopback source addresses.
/// Users are kept across <see cref="PrepareAsync"/> calls, so several topologies on one server reuse them.
/// </summary>
public sealed class ChatTransport : IBenchTransport
{
    public const string Password = "bench-password-1";

    private readonly Uri _baseUri;
    private readonly LoopbackSources _sources;
    private readonly ChatTransportOptions _options;
    private readonly HttpClient _http;
    private readonly string _tag = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly List<BenchUser> _users = [];
    private readonly Dictionary<int, string> _chatIds = [];
    private Topology? _topology;

    public ChatTransport(Uri baseUri, LoopbackSources sources, ChatTransportOptions? options = null)
    {
        _baseUri = baseUri;
        _sources = sources;
        _options = options ?? new ChatTransportOptions();
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false })
        {
            Timeout = TimeSpan.FromMinutes(10),
        };
    }

    public string Name => "chatorleans";

    public bool HasAcks => true;

    public TextReceived? OnText { get; set; }

    /// <summary>Every event any device receives, with the generator's clock at receipt (replay included).</summary>
    public Action<BenchDevice, ServerEvent, long>? OnEvent { get; set; }

    public IReadOnlyList<BenchUser> Users => _users;

    public BenchDevice[] Devices { get; private set; } = [];

    public Topology Topology => _topology ?? throw new InvalidOperationException("Nothing prepared yet.");

    public Uri BaseUri => _baseUri;

    public string ChatId(int chat) => _chatIds[chat];

    /// <summary>An API client signed in as <paramref name="user"/>, sharing the transport's HTTP connections.</summary>
    public ChatApiClient Api(BenchUser user) => new(_baseUri, _http) { AccessToken = user.AccessToken, UserId = user.UserId };

    public async Task<IReadOnlyDictionary<string, double>> PrepareAsync(Topology topology, CancellationToken cancellationToken)
    {
        var timings = new Dictionary<string, double>();
        long started = BenchClock.Now;
        int newUsers = await EnsureUsersAsync(topology.Users, cancellationToken).ConfigureAwait(false);
        timings["register_s"] = Math.Round(BenchClock.SecondsSince(started), 2);
        timings["registered_users"] = newUsers;

        started = BenchClock.Now;
        _chatIds.Clear();
        var ids = new ConcurrentDictionary<int, string>();
        // Big groups first: they take longest and are created one batch of members at a time.
        await Retry.ForEachAsync(
            topology.Chats.OrderByDescending(c => c.Members.Length), _options.SetupParallelism,
            async (chat, ct) => ids[chat.Index] = await CreateChatAsync(chat, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        foreach ((int index, string id) in ids)
        {
            _chatIds[index] = id;
        }

        timings["chats_s"] = Math.Round(BenchClock.SecondsSince(started), 2);

        _topology = topology;
        Devices = [.. Enumerable.Range(0, topology.Devices).Select(d =>
            new BenchDevice(d, _users[topology.UserOfDevice(d)], "d" + (d % topology.DevicesPerUser).ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        return timings;
    }

    /// <summary>Registers users until there are <paramref name="count"/>; returns how many were new.</summary>
    public async Task<int> EnsureUsersAsync(int count, CancellationToken cancellationToken)
    {
        int existing = _users.Count;
        if (count <= existing)
        {
            return 0;
        }

        var registered = new BenchUser[count - existing];
        await Retry.ForEachAsync(
            Enumerable.Range(existing, count - existing), _options.RegisterParallelism,
            async (i, ct) =>
            {
                string username = $"{_tag}-{i}";
                AuthResult auth = await Retry.RunAsync(
                    async c =>
                    {
                        using var api = new ChatApiClient(_baseUri, _http);
                        try
                        {
                            return await api.RegisterAsync(username, Password, cancellationToken: c).ConfigureAwait(false);
                        }
                        catch (ChatApiException ex) when (ex.Code == ErrorCodes.Conflict)
                        {
                            // A retry of a registration whose answer was lost.
                            return await api.LoginAsync(username, Password, c).ConfigureAwait(false);
                        }
                    },
                    ct).ConfigureAwait(false);
                registered[i - existing] = new BenchUser(i, username, auth.UserId, auth.AccessToken);
            },
            cancellationToken).ConfigureAwait(false);
        _users.AddRange(registered);
        return registered.Length;
    }

    public async Task<int> ConnectAllAsync(int concurrency, CancellationToken cancellationToken) =>
        await ConnectAsync(Enumerable.Range(0, Devices.Length), concurrency, cancellationToken).ConfigureAwait(false);

    /// <summary>Connects the given devices (waiting for each one's <c>sync_done</c>); returns how many are connected.</summary>
    public async Task<int> ConnectAsync(IEnumerable<int> devices, int concurrency, CancellationToken cancellationToken)
    {
        int connected = 0;
        await Retry.ForEachAsync(
            devices, concurrency,
            async (d, ct) =>
            {
                await ConnectDeviceAsync(Devices[d], ct).ConfigureAwait(false);
                Interlocked.Increment(ref connected);
            },
            cancellationToken).ConfigureAwait(false);
        return connected;
    }

    /// <summary>Opens one device's connection (replacing a previous one) and waits for its <c>sync_done</c>.</summary>
    public async Task ConnectDeviceAsync(BenchDevice device, CancellationToken cancellationToken)
    {
        var options = new ChatConnectionOptions
        {
            AutoDelivered = _options.AutoDelivered,
            RecordReceived = false,
            // Events are handled on the receive loop: no queue and no reader task per device.
            PublishEvents = false,
            OnEvent = e => Handle(device, e),
            ConnectTimeout = _options.ConnectTimeout,
            RequestTimeout = _options.RequestTimeout,
            WebSocketFactory = _sources.ConnectWebSocketAsync,
        };
        ChatConnection connection = await Retry.RunAsync(
            ct => ChatConnection.ConnectAsync(_baseUri, device.User.AccessToken, device.DeviceId, options, ct),
            cancellationToken).ConfigureAwait(false);
        device.Connection = connection;
        device.Reader = connection.Closed;
        await connection.SyncDone.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
    }

    public Task SendAsync(int device, int chat, string clientMsgId, string text, CancellationToken cancellationToken) =>
        SendMessageAsync(device, chat, clientMsgId, text, cancellationToken);

    /// <summary>Sends and returns the stored message from the ack.</summary>
    public Task<Message> SendMessageAsync(int device, int chat, string clientMsgId, string text, CancellationToken cancellationToken)
    {
        ChatConnection connection = Devices[device].Connection ?? throw new InvalidOperationException($"Device {device} is not connected.");
        return connection.SendMessageAsync(_chatIds[chat], clientMsgId, text, cancellationToken: cancellationToken);
    }

    public async Task DisconnectAllAsync() => await DisconnectAsync(Devices).ConfigureAwait(false);

    /// <summary>Drops the devices' sockets without a close handshake, as a lost network would.</summary>
    public static async Task DisconnectAsync(IEnumerable<BenchDevice> devices)
    {
        var closing = new List<Task>();
        foreach (BenchDevice device in devices)
        {
            if (device.Connection is { } connection)
            {
                device.Connection = null;
                closing.Add(connection.DisposeAsync().AsTask());
                closing.Add(device.Reader);
            }
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAllAsync().ConfigureAwait(false);
        _http.Dispose();
    }

    private async Task<string> CreateChatAsync(TopologyChat chat, CancellationToken cancellationToken)
    {
        BenchUser owner = _users[chat.Members[0]];
        using ChatApiClient api = Api(owner);
        if (!chat.IsGroup)
        {
            DirectChatResult direct = await Retry.RunAsync(
                ct => api.CreateDirectChatAsync(_users[chat.Members[1]].UserId, ct), cancellationToken).ConfigureAwait(false);
            return direct.Chat.ChatId;
        }

        // Members go in batches: one request per thousand keeps each server call bounded.
        const int Batch = 1_000;
        string[] others = [.. chat.Members.Skip(1).Select(m => _users[m].UserId)];
        Chat created = await Retry.RunAsync(
            ct => api.CreateGroupAsync($"g{chat.Index}", others.Take(Batch - 1), ct), cancellationToken, attempts: 1).ConfigureAwait(false);
        for (int offset = Batch - 1; offset < others.Length; offset += Batch)
        {
            string[] batch = others[offset..Math.Min(others.Length, offset + Batch)];
            await Retry.RunAsync(ct => api.AddMembersAsync(created.ChatId, batch, ct), cancellationToken).ConfigureAwait(false);
        }

        return created.ChatId;
    }

    private void Handle(BenchDevice device, ServerEvent e)
    {
        long now = BenchClock.Now;
        OnEvent?.Invoke(device, e, now);
        if (e is NewMessageEvent { Message.Text: { } text } && OnText is { } onText)
        {
            onText(device.Index, text, now);
        }
    }
}
