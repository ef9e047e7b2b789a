namespace ChatOrleans;

/// <summary>
/// A device's push address as the client registered it: <see cref="Platform"/> is <c>apns</c>,
/// <c>fcm</c> or <c>webpush</c>; for <c>webpush</c>, <see cref="Token"/> is the subscription JSON.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatOrleans.PushTokenRegistration")]
public sealed record PushTokenRegistration(string Platform, string Token)
{
    public const string Apns = "apns";
    public const string Fcm = "fcm";
    public const string WebPush = "webpush";
}
