using System.Collections.Concurrent;
using System.Net;
using ChatOrleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ChatOrleans.Tests.Notifications.Senders;

/// <summary>One request as the local service saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Protocol, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"no {name} header");
}

/// <summary>The answer the local service gives: status, JSON body and optionally a wait that never ends.</summary>
public sealed record CannedAnswer(int Status, string? Json = null, bool Hang = false)
{
    public static readonly CannedAnswer Ok = new(200);
}

/// <summary>
/// A stand-in for a push service: Kestrel on a free loopback port that records every request
/// and answers with what the test's <see cref="Answer"/> says. The tests check the requests
/// as the real service would.
/// </summary>
public sealed class LocalPushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private LocalPushService(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Chooses the answer to each request; 200 with no body unless a test says otherwise.</summary>
    public Func<RecordedRequest, CannedAnswer> Answer { get; set; } = _ => CannedAnswer.Ok;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public IReadOnlyList<RecordedRequest> RequestsTo(string path) => _requests.Where(r => r.Path == path).ToArray();

    /// <param name="protocols">HTTP/2 alone for APNs: over plain TCP that is HTTP/2 with prior knowledge.</param>
    public static async Task<LocalPushService> StartAsync(HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = protocols));
        var app = builder.Build();
        var service = new LocalPushService(app, new Uri($"http://127.0.0.1:{port}"));
        app.Run(service.HandleAsync);
        await app.StartAsync();
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.Protocol, headers, body.ToArray());
        _requests.Enqueue(request);

        var answer = Answer(request);
        if (answer.Hang)
        {
            // A service that never answers: only the client's timeout or cancellation ends this.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = answer.Status;
        if (answer.Json is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Json, context.RequestAborted);
        }
    }
}
