using System.Text.Json;
using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Protocol;
using ChatOrleans.ServiceDefaults.Notifications;

namespace ChatOrleans.Gateway.Api;

/// <summary>
/// <c>/api/v1/me/notification-settings</c> (GET, PUT) and <c>/api/v1/me/devices/{device_id}/push-token</c> (PUT, DELETE).
/// </summary>
public static partial class NotificationEndpoints
{
    private const string Tag = "notifications";

    private const int MaxTokenLength = 4_096;
    private const int MaxEmailLength = 254;
    private static readonly TimeSpan DnsLookupTimeout = TimeSpan.FromSeconds(3);

    public static RouteGroupBuilder MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        // The same setting the silos' Web Push sender reads: both refuse endpoints inside the network unless it is on.
        var webPush = new WebPushOptions();
        ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IConfiguration>().GetSection(WebPushOptions.SectionName).Bind(webPush);
        var allowPrivateEndpoints = webPush.AllowPrivateNetworkEndpoints;

        api.MapGet("/me/notification-settings", async (HttpContext context, IGrainFactory grains) =>
            Json(ToDto(await grains.GetGrain<INotificationInboxGrain>(context.UserId()).GetSettings())))
            .Describe(Tag, "GetNotificationSettings", "The caller's notification settings.")
            .Answers<NotificationSettingsResponse>()
            .Refuses(401, 503);

        api.MapPut("/me/notification-settings", async (HttpContext context, IGrainFactory grains) =>
        {
            var body = await RequestBody.Read<SettingsRequest>(context.Request);
            var inbox = grains.GetGrain<INotificationInboxGrain>(context.UserId());
            var settings = Validate(body, await inbox.GetSettings());
            return Json(ToDto(await inbox.UpdateSettings(settings)));
        })
            .Describe(Tag, "SetNotificationSettings", "Change the caller's notification settings; optional fields left out keep their values.")
            .Body<SettingsRequest>().Answers<NotificationSettingsResponse>()
            .Refuses(400, 401, 413, 503);

        api.MapPut("/me/devices/{deviceId}/push-token", async (string deviceId, HttpContext context, IGrainFactory grains) =>
        {
            EnsureDeviceId(deviceId);
            var body = await RequestBody.Read<PushTokenRequest>(context.Request);
            var token = ValidateToken(body);
            if (token.Platform == PushTokenRegistration.WebPush && !allowPrivateEndpoints)
            {
                await EnsurePublicEndpoint(token, context.RequestAborted);
            }

            await grains.GetGrain<INotificationInboxGrain>(context.UserId()).SetPushToken(deviceId, token);
            return Results.NoContent();
        })
            .Describe(Tag, "SetPushToken", "Register the push token (APNs, FCM) or Web Push subscription of one device.")
            .Body<PushTokenRequest>().Produces(StatusCodes.Status204NoContent)
            .Refuses(400, 401, 413, 503);

        // Sign-out on a shared phone: the next account on it must not get this one's previews.
        api.MapDelete("/me/devices/{deviceId}/push-token", async (string deviceId, HttpContext context, IGrainFactory grains) =>
        {
            EnsureDeviceId(deviceId);
            await grains.GetGrain<INotificationInboxGrain>(context.UserId()).RemovePushToken(deviceId);
            return Results.NoContent();
        })
            .Describe(Tag, "RemovePushToken", "Stop pushes to one device (sign-out).")
            .Produces(StatusCodes.Status204NoContent)
            .Refuses(400, 401, 503);

        return api;
    }

    private static void EnsureDeviceId(string deviceId)
    {
        if (!DeviceIdPattern().IsMatch(deviceId))
        {
            throw ChatException.BadRequest("device_id must be 1 to 64 of A-Z, a-z, 0-9, '_', '-'.");
        }
    }

    /// <summary>
    /// A Web Push endpoint is where the server will POST: a loopback, private or link-local
    /// address (literal, a local name, or a name resolving to one) is refused here, and the
    /// sender checks the addresses again when it connects.
    /// </summary>
    private static async Task EnsurePublicEndpoint(PushTokenRegistration token, CancellationToken cancellationToken)
    {
        using var subscription = JsonDocument.Parse(token.Token);
        var endpoint = new Uri(subscription.RootElement.GetProperty("endpoint").GetString()!);
        using var lookup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lookup.CancelAfter(DnsLookupTimeout);
        string? problem;
        try
        {
            problem = await PushEndpointGuard.ProblemAsync(endpoint, lookup.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A slow resolver does not hold the request: the sender checks at connection time anyway.
            problem = null;
        }

        if (problem is not null)
        {
            throw ChatException.BadRequest(problem);
        }
    }

    /// <summary>
    /// <c>push</c> and <c>email</c> are required; the optional fields keep their stored values when
    /// left out. Email needs an address, given now or before.
    /// </summary>
    private static NotificationSettings Validate(SettingsRequest body, NotificationSettings current)
    {
        if (body.Push is not { } push || body.Email is not { } email)
        {
            throw ChatException.BadRequest("push and email are required booleans.");
        }

        var address = current.EmailAddress;
        if (body.EmailAddress is { } given)
        {
            given = given.Trim();
            if (given.Length == 0 || given.Length > MaxEmailLength || !EmailPattern().IsMatch(given))
            {
                throw ChatException.BadRequest("email_address is not an email address.");
            }

            address = given;
        }

        var delay = body.EmailDelayMinutes ?? current.EmailDelayMinutes;
        if (delay is < 0 or > NotificationSettings.MaxEmailDelayMinutes)
        {
            throw ChatException.BadRequest($"email_delay_minutes must be 0 to {NotificationSettings.MaxEmailDelayMinutes}.");
        }

        if (email && address is null)
        {
            throw ChatException.BadRequest("email needs an email_address.");
        }

        return new NotificationSettings(push, email, address, delay, body.Previews ?? current.Previews);
    }

    private static PushTokenRegistration ValidateToken(PushTokenRequest body)
    {
        var token = body.Token;
        switch (body.Platform)
        {
            case PushTokenRegistration.Apns:
                // An APNs device token is hexadecimal (32 bytes today; longer ones are allowed for).
                if (token is not { ValueKind: JsonValueKind.String } apns || !ApnsTokenPattern().IsMatch(apns.GetString()!))
                {
                    throw ChatException.BadRequest("An apns token is a string of 64 to 200 hexadecimal digits.");
                }

                return new PushTokenRegistration(PushTokenRegistration.Apns, apns.GetString()!.ToLowerInvariant());
            case PushTokenRegistration.Fcm:
                if (token is not { ValueKind: JsonValueKind.String } fcm || !FcmTokenPattern().IsMatch(fcm.GetString()!))
                {
                    throw ChatException.BadRequest($"An fcm token is a string of 1 to {MaxTokenLength} characters without spaces.");
                }

                return new PushTokenRegistration(PushTokenRegistration.Fcm, fcm.GetString()!);
            case PushTokenRegistration.WebPush:
                if (token is not { ValueKind: JsonValueKind.Object } subscription || !IsWebPushSubscription(subscription))
                {
                    throw ChatException.BadRequest("A webpush token is the subscription object: {endpoint:\"https://…\", keys:{p256dh, auth}}.");
                }

                var json = subscription.GetRawText();
                if (json.Length > MaxTokenLength)
                {
                    throw ChatException.BadRequest($"A webpush subscription holds at most {MaxTokenLength} characters.");
                }

                return new PushTokenRegistration(PushTokenRegistration.WebPush, json);
            default:
                throw ChatException.BadRequest("platform must be \"apns\", \"fcm\" or \"webpush\".");
        }
    }

    private static bool IsWebPushSubscription(JsonElement subscription) =>
        subscription.TryGetProperty("endpoint", out var endpoint)
        && endpoint.ValueKind == JsonValueKind.String
        && Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && subscription.TryGetProperty("keys", out var keys)
        && keys.ValueKind == JsonValueKind.Object
        && keys.TryGetProperty("p256dh", out var p256dh) && p256dh.ValueKind == JsonValueKind.String && p256dh.GetString()!.Length > 0
        && keys.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString()!.Length > 0;

    private static NotificationSettingsResponse ToDto(NotificationSettings settings) => NotificationSettingsResponse.From(settings);

    private static IResult Json(object value) => Results.Json(value, ProtocolJson.Options);

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex(@"^[^\s@]+@[^\s@]+\.[^\s@]+\z")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[0-9A-Fa-f]{64,200}\z")]
    private static partial Regex ApnsTokenPattern();

    [GeneratedRegex(@"^\S{1,4096}\z")]
    private static partial Regex FcmTokenPattern();

    private sealed record SettingsRequest(bool? Push, bool? Email, string? EmailAddress = null, int? EmailDelayMinutes = null, bool? Previews = null);

    private sealed record PushTokenRequest(string? Platform, JsonElement? Token);
}
