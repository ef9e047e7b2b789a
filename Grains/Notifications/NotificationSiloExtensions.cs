using ChatOrleans.Notifications.Senders;
using ChatOrleans.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Grains.Notifications;

public static class NotificationSiloExtensions
{
    /// <summary>
    /// The notification pipeline: options (section <c>Notifications</c>), the silo's dispatcher,
    /// and reminders (whose table the profile's storage registers). Push and email senders
    /// registered before this call are used; otherwise the clients configured under
    /// <c>Notifications</c>, or senders that log what they would send.
    /// </summary>
    public static ISiloBuilder AddChatNotifications(this ISiloBuilder builder, IConfiguration configuration)
    {
        var services = builder.Services;
        services.AddValidatedOptions<NotificationOptions, NotificationOptionsValidator>(configuration, NotificationOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);

        services.AddNotificationSenders(configuration);
        services.TryAddSingleton<NotificationDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());

        builder.AddReminders();
        // The reminder is a backstop that wakes a user's pipeline after a restart; a short period
        // (tests, small deployments) needs Orleans' one-minute floor lowered to it.
        services.AddOptions<ReminderOptions>().Configure<IOptions<NotificationOptions>>((reminders, notifications) =>
        {
            if (notifications.Value.ReminderPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = notifications.Value.ReminderPeriod;
            }
        });
        return builder;
    }
}
