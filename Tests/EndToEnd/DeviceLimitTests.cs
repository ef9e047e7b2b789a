using System.Net.WebSockets;
using ChatOrleans.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// At most 20 devices of one user are connected at once: the 21st connection closes the least
/// recently active one with 4001; a device that reconnects counts once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeviceLimitTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private const int MaxDevices = 20;

    [Fact]
    public async Task TheTwentyFirstDeviceClosesTheLeastRecentlyActiveWith4001AndAReconnectCountsOnce()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var bob = await Proto.RegisterAsync(fixture.BaseUri);
        var chatId = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        var sessions = fixture.Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserSessionsGrain>(alice.Id);
        var devices = new Dictionary<string, ChatConnection>();
        try
        {
            for (var d = 1; d <= MaxDevices; d++)
            {
                devices[Name(d)] = await alice.ConnectAsync(Name(d));
            }

            // dev01 connected first but was active since: dev02 is now the least recently active.
            await devices[Name(1)].MarkReadAsync(chatId, 0);
            await WaitUntilAsync(async () => (await sessions.GetSessions()) is { Count: MaxDevices } s && s[0].DeviceId == Name(2) && s[^1].DeviceId == Name(1));

            devices[Name(21)] = await alice.ConnectAsync(Name(21));
            var evicted = devices[Name(2)];
            await evicted.Closed.WaitAsync(Proto.Timeout);
            Assert.True(evicted.CloseStatus is { } status && (int)status == ChatCloseCodes.Replaced, $"close status {evicted.CloseStatus} '{evicted.CloseStatusDescription}'");

            var stillOpen = devices.Where(d => d.Key != Name(2)).ToList();
            await AssertAllOpenAsync(stillOpen.Select(d => d.Value));
            var known = await sessions.GetSessions();
            Assert.Equal(stillOpen.Select(d => d.Key).Order(), known.Select(s => s.DeviceId).Order());

            // The same device again replaces its own connection (4001 to that one) and evicts nobody else.
            var old21 = devices[Name(21)];
            devices[Name(21)] = await alice.ConnectAsync(Name(21));
            await old21.Closed.WaitAsync(Proto.Timeout);
            Assert.Equal(ChatCloseCodes.Replaced, (int?)old21.CloseStatus);
            await AssertAllOpenAsync(stillOpen.Select(d => d.Key == Name(21) ? devices[Name(21)] : d.Value));
            Assert.Equal(MaxDevices, (await sessions.GetSessions()).Count);

            // A device that closed leaves room: a new one evicts nobody.
            await devices[Name(3)].CloseAsync(WebSocketCloseStatus.NormalClosure);
            await WaitUntilAsync(async () => (await sessions.GetSessions()).Count == MaxDevices - 1);
            devices[Name(22)] = await alice.ConnectAsync(Name(22));
            await AssertAllOpenAsync(devices.Where(d => d.Key is not ("dev02" or "dev03")).Select(d => d.Value));
        }
        finally
        {
            await Proto.DisposeAllAsync(devices.Values);
        }
    }

    [Fact]
    public async Task AnotherUsersDevicesAreNotCounted()
    {
        using var alice = await Proto.RegisterAsync(fixture.BaseUri);
        using var bob = await Proto.RegisterAsync(fixture.BaseUri);
        var devices = new List<ChatConnection>();
        try
        {
            for (var d = 1; d <= MaxDevices; d++)
            {
                devices.Add(await alice.ConnectAsync(Name(d)));
            }

            devices.Add(await bob.ConnectAsync("phone"));
            await AssertAllOpenAsync(devices);
        }
        finally
        {
            await Proto.DisposeAllAsync(devices);
        }
    }

    private static string Name(int d) => $"dev{d:D2}";

    private static async Task AssertAllOpenAsync(IEnumerable<ChatConnection> connections)
    {
        foreach (var connection in connections)
        {
            await connection.PingAsync();
            Assert.False(connection.IsClosed);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Proto.Timeout);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
