using ChatOrleans.Gateway.Media;
using ChatOrleans.Gateway.Protocol;

namespace ChatOrleans.Gateway.Api;

/// <summary><c>/api/v1/chats/*</c>: creating chats, membership, the chat list and history.</summary>
public static class ChatEndpoints
{
    public static RouteGroupBuilder MapChatEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/chats", CreateChat);

        api.MapGet("/chats", async (HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var chats = await grains.GetGrain<IUserGrain>(context.UserId()).GetChats();
            return Json(new { chats = await links.ChatsAsync(chats, links.OriginOf(context.Request)) });
        });

        api.MapGet("/chats/{chatId}", async (string chatId, HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var chat = await grains.GetGrain<IUserGrain>(context.UserId()).GetChat(chatId);
            return Json(new { chat = await links.ChatAsync(chat, links.OriginOf(context.Request)) });
        });

        api.MapPost("/chats/{chatId}/members", async (string chatId, HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var body = await RequestBody.Read<AddMembersRequest>(context.Request);
            if (body.UserIds is not { Count: > 0 } userIds || userIds.Any(string.IsNullOrEmpty))
            {
                throw ChatException.BadRequest("user_ids must be a non-empty array of user ids.");
            }

            var userId = context.UserId();
            await grains.GetGrain<IChatGrain>(chatId).AddMembers(userId, userIds);
            var chat = await grains.GetGrain<IUserGrain>(userId).GetChat(chatId);
            return Json(new { chat = await links.ChatAsync(chat, links.OriginOf(context.Request)) });
        });

        api.MapDelete("/chats/{chatId}/members/{memberId}", async (string chatId, string memberId, HttpContext context, IGrainFactory grains) =>
        {
            await grains.GetGrain<IChatGrain>(chatId).RemoveMember(context.UserId(), memberId);
            return Results.NoContent();
        });

        api.MapGet("/chats/{chatId}/messages", async (string chatId, HttpContext context, IGrainFactory grains, MediaLinks links) =>
        {
            var query = HistoryQuery.Create(
                QueryLong(context, "before_seq"), QueryLong(context, "after_seq"), (int?)Math.Min(QueryLong(context, "limit") ?? HistoryQuery.DefaultLimit, int.MaxValue));
            var messages = await grains.GetGrain<IChatGrain>(chatId).GetHistory(context.UserId(), query);
            return Json(new { messages = await links.MessagesAsync(messages, links.OriginOf(context.Request)) });
        });

        api.MapPut("/chats/{chatId}/notification-settings", async (string chatId, HttpContext context, IGrainFactory grains) =>
        {
            var body = await RequestBody.Read<ChatSettingsRequest>(context.Request);
            var level = body.Level switch
            {
                "all" => NotificationLevel.All,
                "mentions" => NotificationLevel.Mentions,
                "none" => NotificationLevel.None,
                _ => throw ChatException.BadRequest("level must be \"all\", \"mentions\" or \"none\"."),
            };
            await grains.GetGrain<IUserGrain>(context.UserId()).SetChatLevel(chatId, level);
            return Json(new { chat_id = chatId, level = body.Level });
        });

        return api;
    }

    private static async Task<IResult> CreateChat(HttpContext context, IGrainFactory grains, MediaLinks links)
    {
        var body = await RequestBody.Read<CreateChatRequest>(context.Request);
        var userId = context.UserId();
        var memberIds = body.MemberIds ?? [];
        if (memberIds.Any(string.IsNullOrEmpty))
        {
            throw ChatException.BadRequest("member_ids must hold user ids.");
        }

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
                return Json(new { chat = await links.ChatAsync(view, links.OriginOf(context.Request)) }, direct.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            case "group":
                var info = await grains.GetGrain<IChatGrain>(ChatIds.NewGroupId()).CreateGroup(userId, body.Name ?? "", memberIds);
                var group = await grains.GetGrain<IUserGrain>(userId).GetChat(info.ChatId);
                return Json(new { chat = await links.ChatAsync(group, links.OriginOf(context.Request)) }, StatusCodes.Status201Created);
            default:
                throw ChatException.BadRequest("kind must be \"direct\" or \"group\".");
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

    private sealed record CreateChatRequest(string? Kind, string? Name, List<string>? MemberIds);

    private sealed record AddMembersRequest(List<string>? UserIds);

    private sealed record ChatSettingsRequest(string? Level);
}
