using Microsoft.AspNetCore.SignalR;

// Baseline: a bare SignalR hub. Clients join groups (the generator's chats) and send to a group; SignalR serialises
// each message once per protocol and writes it to every member's connection. No auth, no storage.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR(options =>
{
    options.MaximumReceiveMessageSize = 1024 * 1024;
    options.EnableDetailedErrors = true;
});
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.MapHub<BenchHub>("/hub");
app.Run();

internal sealed class BenchHub : Hub
{
    public async Task Join(string[] groups)
    {
        foreach (string group in groups)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }
    }

    public Task Send(string group, string text) => Clients.Group(group).SendAsync("m", text);

    public Task Broadcast(string text) => Clients.All.SendAsync("m", text);
}
