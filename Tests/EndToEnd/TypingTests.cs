using ChatOrleans.Client;

namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;
using TypingEvent = ChatOrleans.Client.TypingEvent;

/// <summary><c>typing</c>: relayed to the other members' devices, never to the typer's own.</summary>
[Trait("Category", "Integration")]
public sealed class TypingTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task StartAndStopReachTheOtherMembersDevicesButNotTheTypersOwn()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var carol = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("typing", [bob.Id, carol.Id])).ChatId;
        await using var alicePhone = await alice.ConnectAsync("phone");
        await using var aliceLaptop = await alice.ConnectAsync("laptop");
        await using var bobPhone = await bob.ConnectAsync("phone");
        await using var bobLaptop = await bob.ConnectAsync("laptop");
        await using var carolPhone = await carol.ConnectAsync("phone");
        var others = new[] { bobPhone, bobLaptop, carolPhone };

        var ack = await alicePhone.TypingAsync(group, TypingStates.Start);
        Assert.Equal("ack", ack.Frame.GetProperty("type").GetString());
        foreach (var device in others)
        {
            var typing = await device.WaitForAsync<TypingEvent>(e => e.ChatId == group && e.State == TypingStates.Start, Proto.Timeout);
            Assert.Equal(new TypingEvent(group, alice.Id, TypingStates.Start), typing);
        }

        await alicePhone.TypingAsync(group, TypingStates.Stop);
        foreach (var device in others)
        {
            var typing = await device.WaitForAsync<TypingEvent>(e => e.ChatId == group && e.State == TypingStates.Stop, Proto.Timeout);
            Assert.Equal(new TypingEvent(group, alice.Id, TypingStates.Stop), typing);
        }

        // A message published after the typing frames is the marker on the chat's stream.
        await alicePhone.SendMessageAsync(group, "m1", "done typing");
        foreach (var device in new[] { alicePhone, aliceLaptop })
        {
            await Proto.WaitMessageAsync(device, group, 1);
            Assert.Empty(device.ReceivedOf<TypingEvent>());
        }
    }

    [Fact]
    public async Task TypingWithoutReqIdIsRelayedInADirectChatWithoutAnAnswer()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var aliceSocket = await alice.ConnectAsync("phone");
        await using var bobSocket = await bob.ConnectAsync("phone");

        await aliceSocket.SendTypingAsync(direct, TypingStates.Start);
        var typing = await bobSocket.WaitForAsync<TypingEvent>(e => e.ChatId == direct, Proto.Timeout);
        Assert.Equal(new TypingEvent(direct, alice.Id, TypingStates.Start), typing);

        // Frames of one connection are answered in order: the pong comes after any answer to the typing frame.
        await aliceSocket.PingAsync();
        Assert.DoesNotContain(aliceSocket.Received, e => e is AckEvent { ReqId: null } or ErrorEvent);
    }

    [Fact]
    public async Task ANonMembersTypingIsForbiddenAndAnUnknownChatNotFound()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        using var eve = await Proto.RegisterAsync(BaseUri);
        var group = (await alice.Api.CreateGroupAsync("closed", [bob.Id])).ChatId;
        await using var bobSocket = await bob.ConnectAsync("phone");
        await using var eveSocket = await eve.ConnectAsync("phone");

        var error = await Proto.AssertRequestErrorAsync(() => eveSocket.TypingAsync(group, TypingStates.Start), ErrorCodes.Forbidden);
        Assert.NotNull(error.ReqId);
        await Proto.AssertRequestErrorAsync(() => eveSocket.TypingAsync("c_" + Guid.NewGuid().ToString("N"), TypingStates.Start), ErrorCodes.NotFound);
        await Proto.AssertRequestErrorAsync(() => bobSocket.TypingAsync(group, "maybe"), ErrorCodes.BadRequest);

        // Nothing of eve's reached bob: bob's later message on the chat's stream is the marker.
        await bobSocket.SendMessageAsync(group, "b1", "marker");
        await Proto.WaitMessageAsync(bobSocket, group, 1);
        Assert.Empty(bobSocket.ReceivedOf<TypingEvent>());
    }
}
