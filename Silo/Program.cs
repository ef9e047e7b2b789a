using ChatOrleans.Grains.Hosting;

// A backend silo: hosts the chat grains without the WebSocket edge. The embedded default runs
// everything in the Gateway process instead; this host is what several-process deployments run.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Polly", LogLevel.Warning);

var configuration = builder.Configuration;
var dataDirectory = Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } d ? d : "data");
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(
        configuration.GetValue("Orleans:SiloPort", 11111),
        configuration.GetValue("Orleans:GatewayPort", 30000),
        serviceId: "chatorleans",
        clusterId: configuration["Orleans:ClusterId"] ?? "embedded");
    silo.AddEmbeddedStorage(dataDirectory);
    silo.AddChatGrains(configuration);
});

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
await app.RunAsync();
