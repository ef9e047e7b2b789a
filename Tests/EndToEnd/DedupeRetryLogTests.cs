using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.EndToEnd;

/// <summary>
/// A retry of a message stored before a restart is the idempotent path: it gets the original and
/// leaves no warning or stack trace in the log (issue 12, item 16).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DedupeRetryLogTests
{
    [Fact]
    public async Task RetriesAfterARestartGetTheOriginalsAndLogNoWarning()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = await TestGateway.StartAsync(configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
        var users = await E2E.RegisterManyAsync(gateway.BaseUri, 2);
        var chatId = (await users[0].Api.CreateDirectChatAsync(users[1].UserId)).Chat.ChatId;
        List<ChatOrleans.Client.Message> originals;
        await using (var phone = await E2E.ConnectAsync(gateway.BaseUri, users[0], "phone"))
        {
            originals = await E2E.SendSequentiallyAsync(phone, chatId, "retry", 5);
        }

        await gateway.StopAsync();
        await gateway.StartAgainAsync();
        logs.Clear();

        await using var again = await E2E.ConnectAsync(gateway.BaseUri, users[0], "laptop");
        for (var i = 0; i < originals.Count; i++)
        {
            var retried = await again.SendMessageAsync(chatId, originals[i].ClientMsgId, "different text");
            Assert.Equal(originals[i], retried);
        }

        var next = await again.SendMessageAsync(chatId, "fresh", "new");
        Assert.Equal(originals.Count + 1, next.Seq);
        var warnings = logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Category.StartsWith("ChatOrleans", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, string.Join("\n", warnings.Select(w => $"{w.Level} {w.Category}: {w.Message} {w.Exception}")));
    }
}
