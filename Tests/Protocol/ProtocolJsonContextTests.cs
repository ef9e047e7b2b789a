using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Tests.Protocol;

/// <summary>
/// The HTTP answers written with <see cref="ProtocolJson.Options"/> come from the generated
/// context and say exactly what reflection over the same types said.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ProtocolJsonContextTests
{
    private static readonly JsonSerializerOptions Reflection = new(ProtocolJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.FromHours(-3)).AddTicks(4_567_891);

    private static readonly MessageDto Message = new(
        "m1", "c1", 3, "u1", "d1", "x1", "<i>hi</i> & 😀", ["u2"],
        [new MediaDto("md1", "ready", null, "image/png", "a.png", 10, 1, 2, "https://h/a?x=1&y=2", null, At)], null, At);

    private static readonly ChatDto Chat = new("c1", "group", "g \"1\"", "u1", ["u1", "u2"], 2, 3, 1, 2, "mentions", At, Message);

    public static TheoryData<object> Answers() => new()
    {
        new ProfileResponse("u1", "alice", null),
        new UserResponse(new ProfileResponse("u1", "alice", "Alice <A>")),
        new ChatResponse(Chat),
        new ChatListResponse([Chat, Chat with { LastMessage = null, Name = null }]),
        new MessageListResponse([Message]),
        new ChatLevelResponse("c1", "none"),
        new UploadResponse("md1", "https://h/up", "PUT", new Dictionary<string, string> { ["x-ms-blob-type"] = "BlockBlob" }, At),
        new MediaResponse(Message.Media[0]),
        new NotificationSettingsResponse(true, false, null, 15, true),
        new WebPushKeyResponse("BPk-_x"),
        new ErrorResponse(new ErrorBody("not_found", "No such chat.")),
        new ErrorResponse(new ErrorBody("rate_limited", "Slow down.", 1200)),
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void EachPublicAnswerIsGeneratedAndWritesWhatReflectionWrote(object answer)
    {
        Assert.NotNull(ProtocolJsonContext.Default.GetTypeInfo(answer.GetType()));

        Assert.Equal(
            JsonSerializer.Serialize(answer, answer.GetType(), Reflection),
            JsonSerializer.Serialize(answer, answer.GetType(), ProtocolJson.Options));
    }

    [Fact]
    public void EveryServerFrameRecordIsInTheContext()
    {
        var frames = typeof(ServerFrames).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(ServerFrames).Namespace && t.Name.EndsWith("Frame", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(frames);
        Assert.All(frames, frame => Assert.NotNull(ProtocolJsonContext.Default.GetTypeInfo(frame)));
    }
}
