using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOrleans.Notifications.Senders;

/// <summary>The clients of the push services and the mail relay.</summary>
public static class NotificationSenderExtensions
{
    /// <summary>
    /// Registers one <see cref="IPushSender"/> per <see cref="PushPlatform"/> (resolve
    /// <c>IEnumerable&lt;IPushSender&gt;</c> and pick by <see cref="IPushSender.Platform"/>) and
    /// one <see cref="IEmailSender"/>: the real client for each service configured under
    /// <c>Notifications</c>, a logging one for the rest, so the embedded profile needs no
    /// credentials. Half-configured services fail at start-up. Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddNotificationSenders(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return services;
        }

        services.AddSingleton<Marker>();
        services.TryAddSingleton(TimeProvider.System);

        AddApns(services, configuration);
        AddFcm(services, configuration);
        AddWebPush(services, configuration);
        AddEmail(services, configuration);

        return services;
    }

    /// <summary>APNs: the real client when configured, else one that logs.</summary>
    private static void AddApns(IServiceCollection services, IConfiguration configuration)
    {
        var apns = Bind<ApnsOptions, ApnsOptionsValidator>(services, configuration, ApnsOptions.SectionName);
        AddPushSender(services, PushPlatform.Apns, apns.IsConfigured, () =>
        {
            // Apple asks providers to keep their HTTP/2 connections open rather than reconnect per push.
            AddHttpClient(services, ApnsPushSender.HttpClientName, apns.Timeout, TimeSpan.FromMinutes(30));
            services.AddSingleton<IPushSender, ApnsPushSender>();
        });
    }

    /// <summary>FCM: the real client when configured, else one that logs.</summary>
    private static void AddFcm(IServiceCollection services, IConfiguration configuration)
    {
        var fcm = Bind<FcmOptions, FcmOptionsValidator>(services, configuration, FcmOptions.SectionName);
        AddPushSender(services, PushPlatform.Fcm, fcm.IsConfigured, () =>
        {
            // Google.Apis.Auth follows the token endpoint's redirects itself and wants a handler
            // that does not; FCM's send endpoint has none to follow.
            AddHttpClient(services, FcmPushSender.HttpClientName, fcm.Timeout, TimeSpan.FromMinutes(10), handler => handler.AllowAutoRedirect = false);
            services.AddSingleton<IPushSender, FcmPushSender>();
        });
    }

    /// <summary>Web Push: the real client behind a guarded HTTP handler, and its VAPID keys, when configured; else one that logs.</summary>
    private static void AddWebPush(IServiceCollection services, IConfiguration configuration)
    {
        var webPush = Bind<WebPushOptions, WebPushOptionsValidator>(services, configuration, WebPushOptions.SectionName);
        AddPushSender(services, PushPlatform.WebPush, webPush.IsConfigured, () =>
        {
            AddHttpClient(services, WebPushSender.HttpClientName, webPush.Timeout, TimeSpan.FromMinutes(10), handler =>
            {
                // The endpoint is the client's choice: connect only where a public push service
                // can be, after resolving the name here, and never follow a redirect elsewhere.
                handler.AllowAutoRedirect = false;
                handler.UseProxy = false;
                if (!webPush.AllowPrivateNetworkEndpoints)
                {
                    handler.ConnectCallback = PushEndpointGuard.ConnectAsync;
                }
            });
            services.AddSingleton(sp => VapidKeys.From(sp.GetRequiredService<IOptions<WebPushOptions>>().Value));
            services.AddSingleton<WebPushSender>();
            services.AddSingleton<IPushSender>(sp => sp.GetRequiredService<WebPushSender>());
        });
    }

    /// <summary>Email: the SMTP relay when configured, else one that logs.</summary>
    private static void AddEmail(IServiceCollection services, IConfiguration configuration)
    {
        var smtp = Bind<SmtpOptions, SmtpOptionsValidator>(services, configuration, SmtpOptions.SectionName);
        if (smtp.IsConfigured)
        {
            services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        }
        else
        {
            services.TryAddSingleton<IEmailSender, LoggingEmailSender>();
        }
    }

    private static T Bind<T, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where T : class, new()
        where TValidator : class, IValidateOptions<T>
    {
        services.AddValidatedOptions<T, TValidator>(configuration, section);
        return configuration.GetSection(section).Get<T>() ?? new T();
    }

    private static void AddHttpClient(IServiceCollection services, string name, TimeSpan timeout, TimeSpan handlerLifetime, Action<SocketsHttpHandler>? configure = null)
    {
        // The client timeout bounds every request, so a push service that never answers cannot
        // hold a send forever; failures are logged by the senders, not per request here.
        services.AddHttpClient(name, client => client.Timeout = timeout)
            .ConfigurePrimaryHttpMessageHandler(() =>
            {
                var handler = new SocketsHttpHandler
                {
                    ConnectTimeout = timeout,
                    EnableMultipleHttp2Connections = true,
                };
                configure?.Invoke(handler);
                return handler;
            })
            .SetHandlerLifetime(handlerLifetime)
            .RemoveAllLoggers();
    }

    /// <summary>The real client of <paramref name="platform"/> (<paramref name="addClient"/>) when it is configured, else one that logs.</summary>
    private static void AddPushSender(IServiceCollection services, PushPlatform platform, bool configured, Action addClient)
    {
        if (configured)
        {
            addClient();
        }
        else
        {
            services.AddSingleton<IPushSender>(sp => new LoggingPushSender(platform, sp.GetRequiredService<ILogger<LoggingPushSender>>()));
        }
    }

    private sealed class Marker;
}
