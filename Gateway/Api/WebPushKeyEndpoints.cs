using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Notifications;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>GET /api/v1/push/webpush-key</c> (an extension): the VAPID public key a browser passes to
/// <c>pushManager.subscribe</c>. 404 when the server sends no Web Push, so clients do not offer it.
/// </summary>
public static class WebPushKeyEndpoints
{
    private const string Tag = "notifications";

    public static RouteGroupBuilder MapWebPushKeyEndpoints(this RouteGroupBuilder api, IConfiguration configuration)
    {
        // Read once, and checked as the silos check them: the same settings (or key file) their
        // Web Push sender signs with. Read while the endpoints are mapped, before the host starts.
        var options = ValidatedOptions.Read<WebPushOptions, WebPushOptionsValidator>(configuration, WebPushOptions.SectionName);
        var keys = string.IsNullOrWhiteSpace(options.Subject) ? null : VapidKeys.From(options);
        api.MapGet("/push/webpush-key", () => keys is null
            ? ApiErrors.Result(ErrorCodes.NotFound, "This server does not send Web Push.")
            : Results.Json(new WebPushKeyResponse(keys.PublicKey), Protocol.ProtocolJson.Options))
            .Describe(Tag, "GetWebPushKey", "The VAPID public key for pushManager.subscribe; 404 when this server sends no Web Push.")
            .Answers<WebPushKeyResponse>()
            .Refuses(401, 404);
        return api;
    }
}
