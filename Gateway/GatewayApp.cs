using ChatOrleans.Gateway.Hosting;
using ChatOrleans.ServiceDefaults;

namespace ChatOrleans.Gateway;

/// <summary>
/// Builds the all-in-one process of the embedded default: silo, grains and gateway. Tests build
/// it the same way with their own settings, so what they check is what runs.
/// </summary>
public static partial class GatewayApp
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
        // Polly and Microsoft.AspNetCore at Warning); AddChatObservability keeps the categories
        // that write query strings pinned and logs request lines without them.
        LoggingDefaults.AddTo(builder.Configuration);
        builder.AddChatObservability();

        var dataFolder = DataFolder.FromConfiguration(builder.Configuration);
        builder.AddClusterConnection(dataFolder);
        builder.Services.AddChatGateway(builder.Configuration, dataFolder);

        var app = builder.Build();
        app.MapChatGateway();
        app.MapChatObservability();
        app.Lifetime.ApplicationStarted.Register(() =>
            LogServing(app.Logger, app.Urls, dataFolder.Path));
        return app;
    }
}
