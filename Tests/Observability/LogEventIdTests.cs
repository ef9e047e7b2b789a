using System.Reflection;
using System.Text;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// Every <c>[LoggerMessage]</c> of the product has an event id of its own, and
/// <c>docs/log-events.md</c> is the one table of them (id, level, where, message) that an
/// operator filters or alerts on: a new event, a changed level or a reused id fails here.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LogEventIdTests
{
    private static readonly Assembly[] Product =
    [
        typeof(ChatOrleans.Grains.Chats.ChatGrain).Assembly,
        typeof(ChatOrleans.Gateway.GatewayApp).Assembly,
        typeof(ChatOrleans.Client.ChatConnection).Assembly,
    ];

    [Fact]
    public void NoTwoLogEventsShareAnId()
    {
        var events = LogEvents();
        Assert.NotEmpty(events);
        var shared = events.GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Where))}").ToList();
        Assert.True(shared.Count == 0, "Event ids used more than once:\n" + string.Join('\n', shared));
        Assert.DoesNotContain(events, e => e.Id <= 0);
    }

    [Fact]
    public void TheTableInTheDocsListsEveryLogEventAsTheCodeDeclaresIt()
    {
        var expected = LogEvents().Select(Row).ToList();
        var documented = File.ReadAllLines(RepositoryPaths.Of("docs", "log-events.md"))
            .SkipWhile(l => !l.StartsWith("| id | level |", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && char.IsDigit(l[2]))
            .ToList();
        Assert.True(
            expected.SequenceEqual(documented),
            "docs/log-events.md is out of date; its table should read:\n" + string.Join('\n', expected));
    }

    private static string Row((int Id, LogLevel Level, string Where, string Message) e) =>
        new StringBuilder("| ").Append(e.Id).Append(" | ").Append(e.Level).Append(" | `").Append(e.Where).Append("` | ")
            .Append(e.Message.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |").ToString();

    private static List<(int Id, LogLevel Level, string Where, string Message)> LogEvents() =>
        [.. Product
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(m => (Type: t, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Attribute!.EventId, x.Attribute.Level, Where: Declaring(x.Type), x.Attribute.Message))
            .OrderBy(e => e.EventId).ThenBy(e => e.Where, StringComparer.Ordinal)];

    /// <summary>The type a reader finds the event in (the outer one for nested types), without the common prefix.</summary>
    private static string Declaring(Type type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type.FullName!.Replace("ChatOrleans.", "", StringComparison.Ordinal);
    }
}
