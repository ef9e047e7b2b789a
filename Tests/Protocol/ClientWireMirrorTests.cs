using System.Reflection;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Tests.Protocol;

/// <summary>
/// The client library (Client/) depends on no server project, so it declares the wire's records and
/// constants again; these hold its copies to the gateway's, field by field and value by value.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClientWireMirrorTests
{
    public static TheoryData<Type, Type> Records() => new()
    {
        { typeof(ChatDto), typeof(ChatOrleans.Client.Chat) },
        { typeof(MessageDto), typeof(ChatOrleans.Client.Message) },
        { typeof(MediaDto), typeof(ChatOrleans.Client.Media) },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void ClientRecordsHoldTheGatewayRecordsFieldsInTheirOrder(Type gateway, Type client) =>
        Assert.Equal(Fields(gateway), Fields(client));

    [Fact]
    public void ClientErrorCodesAreTheServersErrorCodes() =>
        Assert.Equal(Constants(typeof(ErrorCodes)), Constants(typeof(ChatOrleans.Client.ErrorCodes)));

    [Fact]
    public void ClientNotificationLevelsAreTheNamesTheGatewaySends() =>
        Assert.Equal(
            Enum.GetValues<NotificationLevel>().Select(ChatDto.LevelName).Order(StringComparer.Ordinal),
            Constants(typeof(ChatOrleans.Client.NotificationLevels)).Values.Order(StringComparer.Ordinal));

    private static string[] Fields(Type record) =>
        [.. record.GetConstructors().Single(c => c.GetParameters().Length > 1).GetParameters().Select(p => p.Name!)];

    private static SortedDictionary<string, string> Constants(Type holder) =>
        new(
            holder.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral)
                .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!),
            StringComparer.Ordinal);
}
