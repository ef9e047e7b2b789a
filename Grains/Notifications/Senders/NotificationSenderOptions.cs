namespace ChatOrleans.Notifications.Senders;

/// <summary>The configuration section that holds every notification service's settings.</summary>
public static class NotificationSenderOptions
{
    public const string SectionName = "Notifications";
}
