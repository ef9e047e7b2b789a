namespace ChatOrleans.Tests.EndToEnd;

// The grain interfaces (namespace ChatOrleans) hold types of the same names; these tests speak the client's.
using ErrorCodes = ChatOrleans.Client.ErrorCodes;

/// <summary>
/// PROTOCOL.md send_message: a retry gets the original whatever its new content, also content the
/// gateway refuses (no text or media, text too long, too many media); a new send with such content
/// is refused and stores nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RefusedRetryTests(ProtocolGatewayFixture fixture) : IClassFixture<ProtocolGatewayFixture>
{
    private Uri BaseUri => fixture.BaseUri;

    [Fact]
    public async Task RetriesWithContentTheGatewayRefusesGetTheOriginal()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await using var laptop = await alice.ConnectAsync("laptop");
        var original = await phone.SendMessageAsync(direct, "c1", "the original");

        Assert.Equal(original, await phone.SendMessageAsync(direct, "c1", null));
        Assert.Equal(original, await laptop.SendMessageAsync(direct, "c1", ""));
        Assert.Equal(original, await laptop.SendMessageAsync(direct, "c1", new string('a', 16_001)));
        Assert.Equal(original, await phone.SendMessageAsync(direct, "c1", "with media", Enumerable.Range(1, 11).Select(i => $"f_{i}").ToArray()));

        var stored = await alice.Api.GetMessagesAsync(direct);
        Assert.Equal(original, Assert.Single(stored));
    }

    [Fact]
    public async Task NewSendsWithRefusedContentGetTheGatewaysErrorAndStoreNothing()
    {
        using var alice = await Proto.RegisterAsync(BaseUri);
        using var bob = await Proto.RegisterAsync(BaseUri);
        var direct = (await alice.Api.CreateDirectChatAsync(bob.Id)).Chat.ChatId;
        await using var phone = await alice.ConnectAsync("phone");
        await phone.SendMessageAsync(direct, "c1", "stored");

        await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(direct, "c2", null), ErrorCodes.BadRequest);
        var tooLong = await Proto.AssertRequestErrorAsync(() => phone.SendMessageAsync(direct, "c3", new string('a', 16_001)), ErrorCodes.TooLarge);
        Assert.Contains("16000", tooLong.Message, StringComparison.Ordinal);

        // Bob's own c1 is not Alice's: his refused send is refused.
        await using var bobPhone = await bob.ConnectAsync("phone");
        await Proto.AssertRequestErrorAsync(() => bobPhone.SendMessageAsync(direct, "c1", null), ErrorCodes.BadRequest);

        var stored = await alice.Api.GetMessagesAsync(direct);
        Assert.Equal(["c1"], stored.Select(m => m.ClientMsgId));
    }
}
