using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>/api/v1/chats/*</c>: creating chats, membership, the chat list and history. Ids are checked
/// for the shape this server makes before any grain is asked (each grain asked is an activation):
/// a malformed chat id in the path is <c>not_found</c>, a malformed user id in a body is
/// <c>bad_request</c>, and a body names at most <see cref="ApiOptions.MaxIdsPerRequest"/> users.
/// </summary>
public static class ChatEndpoints
{
    private const string Tag = "chats";

    public static RouteGroupBuilder MapChatEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/chats", CreateChat)
            .Describe(Tag, "CreateChat", "Create a group, or open the direct chat with one other user (200 when it already existed).")
            .Body<CreateChatRequest>().Answers<ChatResponse>(StatusCodes.Status201Created).Answers<ChatResponse>()
            .Refuses(400, 401, 404, 413, 503);

        api.MapGet("/chats", ListChats)
            .Describe(Tag, "ListChats", "The caller's chats, newest activity first.")
            .Answers<ChatListResponse>()
            .Refuses(401, 503);

        api.MapGet("/chats/{chatId}", GetChat)
            .Describe(Tag, "GetChat", "One chat of the caller.")
            .Answers<ChatResponse>()
            .Refuses(401, 403, 404, 503);

        api.MapPost("/chats/{chatId}/members", AddMembers)
            .Describe(Tag, "AddMembers", "Add users to a group.")
            .Body<AddMembersRequest>().Answers<ChatResponse>()
            .Refuses(400, 401, 403, 404, 413, 503);

        api.MapDelete("/chats/{chatId}/members/{memberId}", RemoveMember)
            .Describe(Tag, "RemoveMember", "Leave a chat, or (the owner) remove a member.")
            .Produces(StatusCodes.Status204NoContent)
            .Refuses(401, 403, 404, 503);

        api.MapGet("/chats/{chatId}/messages", GetHistory)
            .Describe(Tag, "GetHistory", "A page of a chat's history, ascending by seq.")
            .Query("before_seq", JsonSchemaType.Integer, "Only messages with a lower seq (the newest page before it).")
            .Query("after_seq", JsonSchemaType.Integer, "Only messages with a higher seq.")
            .Query("limit", JsonSchemaType.Integer, "At most this many messages.")
            .Answers<MessageListResponse>()
            .Refuses(400, 401, 403, 404, 503);

        api.MapPut("/chats/{chatId}/notification-settings", SetChatNotificationLevel)
            .Describe(Tag, "SetChatNotificationLevel", "The caller's notification level for one chat: all, mentions or none.")
            .Body<ChatSettingsRequest>().Answers<ChatLevelResponse>()
            .Refuses(400, 401, 403, 404, 413, 503);

        return api;
    }

    private static async Task<IResult> CreateChat(HttpContext context, IGrainFactory grains, MediaLinks links, IOptions<ApiOptions> options)
    {
        var body = await RequestBody.Read<CreateChatRequest>(context.Request);
        var userId = context.UserId();
        var memberIds = body.MemberIds ?? [];
        EnsureUserIds(memberIds, "member_ids", options.Value.MaxIdsPerRequest);

        switch (body.Kind)
        {
            case "direct":
                if (memberIds.Count != 1)
                {
                    throw ChatException.BadRequest("A direct chat names exactly one other member.");
                }

                var chatId = ChatIds.DirectChatId(userId, memberIds[0]);
                var direct = await grains.GetGrain<IChatGrain>(chatId).EnsureDirect(userId, memberIds[0]);
                var view = await grains.GetGrain<IUserGrain>(userId).GetChat(direct.Chat.ChatId);
                return Json(new ChatResponse(await links.ChatAsync(view, links.OriginOf(context.Request))), direct.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            case "group":
                var info = await grains.GetGrain<IChatGrain>(ChatIds.NewGroupId()).CreateGroup(userId, body.Name ?? "", memberIds);
                var group = await grains.GetGrain<IUserGrain>(userId).GetChat(info.ChatId);
                return Json(new ChatResponse(await links.ChatAsync(group, links.OriginOf(context.Request))), StatusCodes.Status201Created);
            default:
                throw ChatException.BadRequest("kind must be \"direct\" or \"group\".");
        }
    }

    private static async Task<IResult> ListChats(HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        var chats = await grains.GetGrain<IUserGrain>(context.UserId()).GetChats();
        return Json(new ChatListResponse(await links.ChatsAsync(chats, links.OriginOf(context.Request))));
    }

    private static async Task<IResult> GetChat(string chatId, HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        EnsureChatId(chatId);
        var chat = await grains.GetGrain<IUserGrain>(context.UserId()).GetChat(chatId);
        return Json(new ChatResponse(await links.ChatAsync(chat, links.OriginOf(context.Request))));
    }

    private static async Task<IResult> AddMembers(string chatId, HttpContext context, IGrainFactory grains, MediaLinks links, IOptions<ApiOptions> options)
    {
        EnsureChatId(chatId);
        var body = await RequestBody.Read<AddMembersRequest>(context.Request);
        if (body.UserIds is not { Count: > 0 } userIds)
        {
            throw ChatException.BadRequest("user_ids must be a non-empty array of user ids.");
        }

        EnsureUserIds(userIds, "user_ids", options.Value.MaxIdsPerRequest);

        var userId = context.UserId();
        await grains.GetGrain<IChatGrain>(chatId).AddMembers(userId, userIds);
        var chat = await grains.GetGrain<IUserGrain>(userId).GetChat(chatId);
        return Json(new ChatResponse(await links.ChatAsync(chat, links.OriginOf(context.Request))));
    }

    private static async Task<IResult> RemoveMember(string chatId, string memberId, HttpContext context, IGrainFactory grains)
    {
        EnsureChatId(chatId);
        await grains.GetGrain<IChatGrain>(chatId).RemoveMember(context.UserId(), memberId);
        return Results.NoContent();
    }

    private static async Task<IResult> GetHistory(string chatId, HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        EnsureChatId(chatId);
        var query = HistoryQuery.Create(
            QueryLong(context, "before_seq"), QueryLong(context, "after_seq"), (int?)Math.Min(QueryLong(context, "limit") ?? HistoryQuery.DefaultLimit, int.MaxValue));
        var messages = await grains.GetGrain<IChatGrain>(chatId).GetHistory(context.UserId(), query);
        return Json(new MessageListResponse(await links.MessagesAsync(messages, links.OriginOf(context.Request))));
    }

    private static async Task<IResult> SetChatNotificationLevel(string chatId, HttpContext context, IGrainFactory grains)
    {
        EnsureChatId(chatId);
        var body = await RequestBody.Read<ChatSettingsRequest>(context.Request);
        var level = body.Level switch
        {
            "all" => NotificationLevel.All,
            "mentions" => NotificationLevel.Mentions,
            "none" => NotificationLevel.None,
            _ => throw ChatException.BadRequest("level must be \"all\", \"mentions\" or \"none\"."),
        };
        await grains.GetGrain<IUserGrain>(context.UserId()).SetChatLevel(chatId, level);
        return Json(new ChatLevelResponse(chatId, body.Level));
    }

    /// <summary>A chat id of a shape this server never makes names no chat: <c>not_found</c>, as for any unknown id.</summary>
    private static void EnsureChatId(string chatId)
    {
        if (!ChatIds.IsChatId(chatId))
        {
            throw ChatException.NotFound("No such chat.");
        }
    }

    /// <summary>User ids in a body: at most <paramref name="max"/>, each of the shape this server makes (else <c>bad_request</c>).</summary>
    private static void EnsureUserIds(List<string> ids, string field, int max)
    {
        if (ids.Count > max)
        {
            throw ChatException.BadRequest($"{field} may hold at most {max} user ids; add more members with further POST /chats/{{chat_id}}/members calls.");
        }

        foreach (var id in ids)
        {
            if (!ChatIds.IsUserId(id))
            {
                throw ChatException.BadRequest($"{field} must hold user ids (\"u_\" and 32 lower-case hex digits).");
            }
        }
    }

    private static long? QueryLong(HttpContext context, string name)
    {
        var raw = context.Request.Query[name].FirstOrDefault();
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        return long.TryParse(raw, out var value) && value >= 0
            ? value
            : throw ChatException.BadRequest($"{name} must be a non-negative integer.");
    }

    private static IResult Json(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ProtocolJson.Options, statusCode: status);

    private sealed record CreateChatRequest(string? Kind, string? Name = null, List<string>? MemberIds = null);

    private sealed record AddMembersRequest(List<string>? UserIds);

    private sealed record ChatSettingsRequest(string? Level);
}
