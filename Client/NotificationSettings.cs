namespace ChatOrleans.Client;

/// <summary>The body of <c>PUT /me/notification-settings</c>.</summary>
/// <param name="Push">Whether push notifications are on.</param>
/// <param name="Email">Whether email notifications are on.</param>
/// <param name="EmailAddress">Where email goes; omitted when <c>null</c>.</param>
/// <param name="EmailDelayMinutes">How long to wait before emailing; omitted when <c>null</c>.</param>
/// <param name="Previews">Whether notifications show message text; omitted when <c>null</c>.</param>
public sealed record NotificationSettings(
    bool Push,
    bool Email,
    string? EmailAddress = null,
    int? EmailDelayMinutes = null,
    bool? Previews = null);
