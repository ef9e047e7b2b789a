using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ChatOrleans.Tests.Notifications.Senders;

namespace ChatOrleans.Tests.Observability;

/// <summary>
/// Firebase for a server process: a service-account file with a fresh RSA key, Google's token
/// endpoint (which hands out a fresh OAuth access token) and the FCM send endpoint, all on a
/// loopback <see cref="LocalPushService"/>. The key, the access token and the device tokens the
/// sends carry are secrets of the run.
/// </summary>
internal sealed class FakeFcm : IAsyncDisposable
{
    public const string SendPath = "/v1/projects/chat-logs/messages:send";

    private readonly LocalPushService _google;
    private readonly string _accessToken;

    private FakeFcm(LocalPushService google, string accessToken, string serviceAccountPath)
    {
        _google = google;
        _accessToken = accessToken;
        ServiceAccountPath = serviceAccountPath;
        _google.Answer = request => request.Path == "/token"
            ? new CannedAnswer(200, $$"""{"access_token":"{{_accessToken}}","expires_in":3599,"token_type":"Bearer"}""")
            : new CannedAnswer(200, """{"name":"projects/chat-logs/messages/0:1"}""");
    }

    public string ServiceAccountPath { get; }

    /// <summary>The settings that send a process's FCM pushes here.</summary>
    public IEnumerable<string> Arguments =>
    [
        $"--Notifications:Fcm:Endpoint={_google.BaseAddress}",
        $"--Notifications:Fcm:ServiceAccountPath={ServiceAccountPath}",
    ];

    public static async Task<FakeFcm> StartAsync(string folder, SecretLedger secrets)
    {
        var google = await LocalPushService.StartAsync();
        using var key = RSA.Create(2048);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        secrets.Add("FCM service-account private key", Convert.ToBase64String(pkcs8));
        var pem = new string(PemEncoding.Write("PRIVATE KEY", pkcs8));
        foreach (var line in pem.Split('\n').Where(l => l.Length == 64))
        {
            // Any one line of the key's PEM text, wherever the key shows up in pieces.
            secrets.Add("FCM service-account private key (PEM line)", line);
        }

        var path = Path.Combine(folder, "service-account.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "chat-logs",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = pem,
            ["client_email"] = "push@chat-logs.iam.gserviceaccount.com",
            ["token_uri"] = new Uri(google.BaseAddress, "/token").ToString(),
        }));
        return new FakeFcm(google, secrets.Add("FCM OAuth access token", SecretLedger.Fresh("ya29.")), path);
    }

    /// <summary>Waits until a send carrying <paramref name="deviceToken"/> arrived with the access token.</summary>
    public async Task WaitForSendAsync(string deviceToken, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_google.RequestsTo(SendPath).Any(r => r.BodyText.Contains(deviceToken, StringComparison.Ordinal)
            && r.Header("authorization") == "Bearer " + _accessToken))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"No FCM send for the device within {timeout}; requests seen: {string.Join(", ", _google.Requests.Select(r => $"{r.Method} {r.Path}"))}.");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _google.DisposeAsync();
}
