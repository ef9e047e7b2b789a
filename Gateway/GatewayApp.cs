using ChatOrleans.Gateway.Hosting;
using ChatOrleans.Grains.Hosting;

namespace ChatOrleans.Gateway;

/// <summary>
/// Builds the all-in-one process of the embedded default: silo, grains and gateway. Tests build
/// it the same way with their own settings, so what they check is what runs.
/// </summary>
public static class GatewayApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The web root is fixed when the builder is made; it cannot change afterwards.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            WebRootPath = WebClientExtensions.FindWebRoot(Directory.GetCurrentDirectory()),
        });
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Log levels come from configuration (LoggingDefaults, then appsettings.json: Orleans,
        // Polly and Microsoft.AspNetCore at Warning). These two write request targets, query strings
        // included (old clients' ?access_token=): pinned here so no configured level can put a
        // token into a log. Request lines are logged instead by HttpLogging, which writes the
        // path without the query (Microsoft.AspNetCore.HttpLogging at Information).
        LoggingDefaults.AddTo(builder.Configuration);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Warning);
        builder.AddChatObservability();

        var dataFolder = DataFolder.FromConfiguration(builder.Configuration);
        builder.AddClusterConnection(dataFolder);
        builder.Services.AddChatGateway(builder.Configuration, dataFolder);

        var app = builder.Build();
        app.MapChatGateway();
        app.MapChatObservability();
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("ChatOrleans is serving on {Urls}; data folder: {DataFolder}", string.Join(", ", app.Urls), dataFolder.Path));
        return app;
    }
}
