using System.Text;
using System.Text.Json;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Tests.Protocol;

/// <summary>
/// The exact bytes of every server frame (PROTOCOL.md, WebSocket): field names and order, which
/// fields are present when null, number and time formats, and the escaping of docs/protocol.md
/// Conventions. Pinned from the frames as they were written with reflection, so a change of
/// serialiser cannot change the wire.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ServerFrameBytesTests
{
    // Quotes, HTML-sensitive characters, controls, CJK and accents (kept as UTF-8), an emoji (a surrogate pair).
    private const string Tricky = "<b>\"q\" 'a' & a+b `t`</b>\n\t\u0001 漢字 é 😀 \\";

    private static readonly DateTimeOffset Created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private static readonly MediaDto ReadyMedia = new(
        "m1", "ready", null, "image/png", "cat \"1\".png", 12_345, 640, 480,
        "https://h.example/media/m1?sig=a+b&x=<1>", "https://h.example/media/m1/thumb", Created.AddMinutes(10));

    private static readonly MediaDto RejectedMedia = new("m2", "rejected", "too_large", "video/mp4", "v.mp4", 0, null, null, null, null, null);

    private static readonly MessageDto FullMessage = new(
        "msg1", "chat1", 9_007_199_254_740_993, "u1", "d1", "c\"1", Tricky, ["u2", "u<3>"], [ReadyMedia, RejectedMedia], "parent1", Created);

    private static readonly MessageDto BareMessage = new("msg2", "chat1", 1, "u1", "d1", "c2", null, [], [], null, new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero));

    [Fact]
    public void WelcomeFrameKeepsItsBytes() => Pinned(
        ServerFrames.Welcome("u1", "d\"1", "s<1>"),
        """{"type":"welcome","user_id":"u1","device_id":"d\u00221","session_id":"s\u003C1\u003E"}""");

    [Fact]
    public void NewMessageFullFrameKeepsItsBytes() => Pinned(
        ServerFrames.NewMessage(FullMessage),
        """{"type":"new_message","message":{"message_id":"msg1","chat_id":"chat1","seq":9007199254740993,"sender_id":"u1","sender_device_id":"d1","client_msg_id":"c\u00221","text":"\u003Cb\u003E\u0022q\u0022 \u0027a\u0027 \u0026 a\u002Bb \u0060t\u0060\u003C/b\u003E\n\t\u0001 漢字 é \uD83D\uDE00 \\","mentions":["u2","u\u003C3\u003E"],"media":[{"media_id":"m1","status":"ready","reject_reason":null,"content_type":"image/png","file_name":"cat \u00221\u0022.png","size_bytes":12345,"width":640,"height":480,"url":"https://h.example/media/m1?sig=a\u002Bb\u0026x=\u003C1\u003E","thumbnail_url":"https://h.example/media/m1/thumb","expires_at":"2026-01-02T01:14:05.123Z"},{"media_id":"m2","status":"rejected","reject_reason":"too_large","content_type":"video/mp4","file_name":"v.mp4","size_bytes":0,"width":null,"height":null,"url":null,"thumbnail_url":null,"expires_at":null}],"parent_message_id":"parent1","created_at":"2026-01-02T01:04:05.123Z"}}""");

    [Fact]
    public void NewMessageBareFrameKeepsItsBytes() => Pinned(
        ServerFrames.NewMessage(BareMessage),
        """{"type":"new_message","message":{"message_id":"msg2","chat_id":"chat1","seq":1,"sender_id":"u1","sender_device_id":"d1","client_msg_id":"c2","text":null,"mentions":[],"media":[],"parent_message_id":null,"created_at":"2026-12-31T23:59:59.000Z"}}""");

    [Fact]
    public void MessageDeletedFrameKeepsItsBytes() => Pinned(
        ServerFrames.MessageDeleted("chat1", "m\"1", long.MaxValue),
        """{"type":"message_deleted","chat_id":"chat1","message_id":"m\u00221","seq":9223372036854775807}""");

    [Fact]
    public void ReadStateFrameKeepsItsBytes() => Pinned(
        ServerFrames.ReadState(new ReadState("chat1", 7, 3, 12)),
        """{"type":"read_state","chat_id":"chat1","last_read_seq":7,"unread_count":3,"badge_count":12}""");

    [Fact]
    public void ReceiptFrameKeepsItsBytes() => Pinned(
        ServerFrames.Receipt("chat1", "u&2", 0),
        """{"type":"receipt","chat_id":"chat1","user_id":"u\u00262","last_read_seq":0}""");

    [Fact]
    public void TypingStartFrameKeepsItsBytes() => Pinned(
        ServerFrames.Typing("chat1", "u1", true),
        """{"type":"typing","chat_id":"chat1","user_id":"u1","state":"start"}""");

    [Fact]
    public void TypingStopFrameKeepsItsBytes() => Pinned(
        ServerFrames.Typing("chat1", "u1", false),
        """{"type":"typing","chat_id":"chat1","user_id":"u1","state":"stop"}""");

    [Fact]
    public void ChatCreatedDirectFrameKeepsItsBytes() => Pinned(
        ServerFrames.ChatCreated(new ChatView(new ChatInfo("chat1", ChatKind.Direct, null, null, ["u1", "u2"], 2, 0, Created), 0, 0, NotificationLevel.All, null)),
        """{"type":"chat_created","chat":{"chat_id":"chat1","kind":"direct","name":null,"owner_id":null,"members":["u1","u2"],"member_count":2,"last_seq":0,"last_read_seq":0,"unread_count":0,"level":"all","created_at":"2026-01-02T01:04:05.123Z","last_message":null}}""");

    [Fact]
    public void ChatCreatedGroupFrameKeepsItsBytes() => Pinned(
        ServerFrames.ChatCreated(new ChatView(new ChatInfo("chat2", ChatKind.Group, Tricky, "u1", ["u1"], 1, 5, Created), 4, 1, NotificationLevel.Mentions, null)),
        """{"type":"chat_created","chat":{"chat_id":"chat2","kind":"group","name":"\u003Cb\u003E\u0022q\u0022 \u0027a\u0027 \u0026 a\u002Bb \u0060t\u0060\u003C/b\u003E\n\t\u0001 漢字 é \uD83D\uDE00 \\","owner_id":"u1","members":["u1"],"member_count":1,"last_seq":5,"last_read_seq":4,"unread_count":1,"level":"mentions","created_at":"2026-01-02T01:04:05.123Z","last_message":null}}""");

    [Fact]
    public void ChatCreatedMutedFrameKeepsItsBytes() => Pinned(
        ServerFrames.ChatCreated(new ChatView(new ChatInfo("chat3", ChatKind.Group, "g", "u1", [], 0, 0, Created), 0, 0, NotificationLevel.None, null)),
        """{"type":"chat_created","chat":{"chat_id":"chat3","kind":"group","name":"g","owner_id":"u1","members":[],"member_count":0,"last_seq":0,"last_read_seq":0,"unread_count":0,"level":"none","created_at":"2026-01-02T01:04:05.123Z","last_message":null}}""");

    [Fact]
    public void MemberAddedFrameKeepsItsBytes() => Pinned(
        ServerFrames.MemberAdded("chat1", "u2"),
        """{"type":"member_added","chat_id":"chat1","user_id":"u2"}""");

    [Fact]
    public void MemberRemovedFrameKeepsItsBytes() => Pinned(
        ServerFrames.MemberRemoved("chat1", "u'2"),
        """{"type":"member_removed","chat_id":"chat1","user_id":"u\u00272"}""");

    [Fact]
    public void SyncDone0FrameKeepsItsBytes() => Pinned(
        ServerFrames.SyncDone(0),
        """{"type":"sync_done","replayed":0}""");

    [Fact]
    public void SyncDoneFrameKeepsItsBytes() => Pinned(
        ServerFrames.SyncDone(int.MaxValue),
        """{"type":"sync_done","replayed":2147483647}""");

    [Fact]
    public void PongNullFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(null),
        """{"type":"pong","req_id":null}""");

    [Fact]
    public void PongStringFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("\"r<1>\"")),
        """{"type":"pong","req_id":"r\u003C1\u003E"}""");

    [Fact]
    public void PongNumberFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("1.50")),
        """{"type":"pong","req_id":1.50}""");

    [Fact]
    public void PongExpFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("1E3")),
        """{"type":"pong","req_id":1E3}""");

    [Fact]
    public void PongBoolFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("true")),
        """{"type":"pong","req_id":true}""");

    [Fact]
    public void PongObjectFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("{ \"a\" : [1, \"x&y\", null] }")),
        """{"type":"pong","req_id":{"a":[1,"x\u0026y",null]}}""");

    [Fact]
    public void PongEscapedFrameKeepsItsBytes() => Pinned(
        ServerFrames.Pong(Element("\"\\u00e9\\n\\/\"")),
        """{"type":"pong","req_id":"é\n/"}""");

    [Fact]
    public void ErrorFrameKeepsItsBytes() => Pinned(
        ServerFrames.Error(Element("\"r1\""), "bad_request", Tricky),
        """{"type":"error","req_id":"r1","code":"bad_request","message":"\u003Cb\u003E\u0022q\u0022 \u0027a\u0027 \u0026 a\u002Bb \u0060t\u0060\u003C/b\u003E\n\t\u0001 漢字 é \uD83D\uDE00 \\"}""");

    [Fact]
    public void ErrorNoReqFrameKeepsItsBytes() => Pinned(
        ServerFrames.Error(null, "too_large", "A frame may hold at most 65536 bytes."),
        """{"type":"error","req_id":null,"code":"too_large","message":"A frame may hold at most 65536 bytes."}""");

    [Fact]
    public void ErrorRetryFrameKeepsItsBytes() => Pinned(
        ServerFrames.Error(Element("7"), "rate_limited", "Slow down.", 1500),
        """{"type":"error","req_id":7,"code":"rate_limited","message":"Slow down.","retry_after_ms":1500}""");

    [Fact]
    public void ErrorLoneFrameKeepsItsBytes() => Pinned(
        ServerFrames.Error(null, "internal", "half \ud800 pair"),
        """{"type":"error","req_id":null,"code":"internal","message":"half \uFFFD pair"}""");

    [Fact]
    public void AckNullFrameKeepsItsBytes() => Pinned(
        ServerFrames.Ack(null),
        """{"type":"ack","req_id":null}""");

    [Fact]
    public void AckFrameKeepsItsBytes() => Pinned(
        ServerFrames.Ack(Element("\"r2\"")),
        """{"type":"ack","req_id":"r2"}""");

    [Fact]
    public void AckNumberFrameKeepsItsBytes() => Pinned(
        ServerFrames.Ack(Element("42")),
        """{"type":"ack","req_id":42}""");

    [Fact]
    public void AckMessageFrameKeepsItsBytes() => Pinned(
        ServerFrames.MessageAck(Element("\"r3\""), FullMessage),
        """{"type":"ack","req_id":"r3","message":{"message_id":"msg1","chat_id":"chat1","seq":9007199254740993,"sender_id":"u1","sender_device_id":"d1","client_msg_id":"c\u00221","text":"\u003Cb\u003E\u0022q\u0022 \u0027a\u0027 \u0026 a\u002Bb \u0060t\u0060\u003C/b\u003E\n\t\u0001 漢字 é \uD83D\uDE00 \\","mentions":["u2","u\u003C3\u003E"],"media":[{"media_id":"m1","status":"ready","reject_reason":null,"content_type":"image/png","file_name":"cat \u00221\u0022.png","size_bytes":12345,"width":640,"height":480,"url":"https://h.example/media/m1?sig=a\u002Bb\u0026x=\u003C1\u003E","thumbnail_url":"https://h.example/media/m1/thumb","expires_at":"2026-01-02T01:14:05.123Z"},{"media_id":"m2","status":"rejected","reject_reason":"too_large","content_type":"video/mp4","file_name":"v.mp4","size_bytes":0,"width":null,"height":null,"url":null,"thumbnail_url":null,"expires_at":null}],"parent_message_id":"parent1","created_at":"2026-01-02T01:04:05.123Z"}}""");

    [Fact]
    public void AckMessagesFrameKeepsItsBytes() => Pinned(
        ServerFrames.MessagesAck(Element("\"r4\""), [BareMessage, FullMessage]),
        """{"type":"ack","req_id":"r4","messages":[{"message_id":"msg2","chat_id":"chat1","seq":1,"sender_id":"u1","sender_device_id":"d1","client_msg_id":"c2","text":null,"mentions":[],"media":[],"parent_message_id":null,"created_at":"2026-12-31T23:59:59.000Z"},{"message_id":"msg1","chat_id":"chat1","seq":9007199254740993,"sender_id":"u1","sender_device_id":"d1","client_msg_id":"c\u00221","text":"\u003Cb\u003E\u0022q\u0022 \u0027a\u0027 \u0026 a\u002Bb \u0060t\u0060\u003C/b\u003E\n\t\u0001 漢字 é \uD83D\uDE00 \\","mentions":["u2","u\u003C3\u003E"],"media":[{"media_id":"m1","status":"ready","reject_reason":null,"content_type":"image/png","file_name":"cat \u00221\u0022.png","size_bytes":12345,"width":640,"height":480,"url":"https://h.example/media/m1?sig=a\u002Bb\u0026x=\u003C1\u003E","thumbnail_url":"https://h.example/media/m1/thumb","expires_at":"2026-01-02T01:14:05.123Z"},{"media_id":"m2","status":"rejected","reject_reason":"too_large","content_type":"video/mp4","file_name":"v.mp4","size_bytes":0,"width":null,"height":null,"url":null,"thumbnail_url":null,"expires_at":null}],"parent_message_id":"parent1","created_at":"2026-01-02T01:04:05.123Z"}]}""");

    [Fact]
    public void AckMessagesEmptyFrameKeepsItsBytes() => Pinned(
        ServerFrames.MessagesAck(null, []),
        """{"type":"ack","req_id":null,"messages":[]}""");

    private static void Pinned(byte[] frame, string expected) => Assert.Equal(expected, Encoding.UTF8.GetString(frame));

    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
