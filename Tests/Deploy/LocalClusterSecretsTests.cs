using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Deploy;

/// <summary>
/// <c>deploy/local-cluster.sh</c> gives its children the connection strings (PostgreSQL password,
/// Azure account key) and the signing key through their environment, never their command line,
/// which every user of the machine can read. The script runs for real; its silos and gateways are
/// stand-ins (a <c>dotnet</c> first on the PATH that answers the script's readiness checks), and the
/// test reads the children's <c>/proc/PID/cmdline</c> and <c>/proc/PID/environ</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Category", "Integration")]
public sealed class LocalClusterSecretsTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Answers GET with 200 and POST with 401, as a ready silo or gateway does to the script's checks.</summary>
    private const string FakeDotnet = """
        #!/usr/bin/env python3
        import http.server, re, sys
        port = next(int(m.group(1)) for m in (re.match(r"--urls=http://127\.0\.0\.1:(\d+)$", a) for a in sys.argv[1:]) if m)
        class Ready(http.server.BaseHTTPRequestHandler):
            def answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def do_GET(self):
                self.answer(200)
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.answer(401)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", port), Ready).serve_forever()
        """;

    [Fact]
    public async Task SecretsReachTheChildrenThroughTheirEnvironmentOnly()
    {
        using var folder = new TempDirectory();
        var bin = Directory.CreateDirectory(Path.Combine(folder.Path, "bin")).FullName;
        var state = Path.Combine(folder.Path, "state");
        Executable(Path.Combine(bin, "dotnet"), FakeDotnet);

        // The services count as running (this test starts or stops none of them).
        Executable(Path.Combine(bin, "pg_lsclusters"), "#!/bin/sh\necho '15 main 5432 online postgres /nonexistent /nonexistent'\n");
        Executable(Path.Combine(bin, "redis-cli"), "#!/bin/sh\necho PONG\n");
        var azurite = new TcpListener(IPAddress.Loopback, 0);
        azurite.Start();
        try
        {
            var root = RepositoryPaths.Root;
            var script = Path.Combine(root, "deploy", "local-cluster.sh");
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["CHATORLEANS_CLUSTER_DIR"] = state,
                ["CHATORLEANS_NO_BUILD"] = "1",
                ["CHATORLEANS_CONFIGURATION"] = ConfigurationOfThisBuild(),
                ["CHATORLEANS_START_TIMEOUT"] = "60",
                ["CHATORLEANS_AZURITE_PORT"] = ((IPEndPoint)azurite.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CHATORLEANS_SILO_HTTP_PORTS"] = Ports(2),
                ["CHATORLEANS_SILO_PORTS"] = Ports(2),
                ["CHATORLEANS_SILO_GATEWAY_PORTS"] = Ports(2),
                ["CHATORLEANS_GATEWAY_HTTP_PORTS"] = Ports(2),
            };

            try
            {
                var (exit, output) = await RunAsync(script, "start", environment);
                Assert.True(exit == 0, $"local-cluster.sh start exited {exit}:\n{output}");

                var signingKey = (await File.ReadAllTextAsync(Path.Combine(state, "signing.key"))).Trim();
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, "signing.key")));
                var secrets = new[] { signingKey, "Password=", "AccountKey=" };
                foreach (var name in new[] { "silo-1", "silo-2", "gateway-1", "gateway-2" })
                {
                    var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(state, name + ".pid")), System.Globalization.CultureInfo.InvariantCulture);
                    var commandLine = (await ProcFileAsync(pid, "cmdline")).Replace('\0', ' ');
                    Assert.Contains("ChatOrleans", commandLine, StringComparison.Ordinal);
                    foreach (var secret in secrets)
                    {
                        Assert.DoesNotContain(secret, commandLine, StringComparison.Ordinal);
                    }

                    var variables = (await ProcFileAsync(pid, "environ")).Split('\0');
                    Assert.Contains(variables, v => v.StartsWith("Orleans__Postgres=", StringComparison.Ordinal) && v.Contains("Password=", StringComparison.Ordinal));
                    Assert.Contains(variables, v => v.StartsWith("Orleans__Redis=", StringComparison.Ordinal));
                    Assert.Contains(variables, v => v.StartsWith("Media__Azure__ConnectionString=", StringComparison.Ordinal) && v.Contains("AccountKey=", StringComparison.Ordinal));
                    Assert.Equal(name.StartsWith("gateway", StringComparison.Ordinal), variables.Contains("Auth__SigningKey=" + signingKey));
                }
            }
            finally
            {
                var (exit, output) = await RunAsync(script, "stop", environment);
                Assert.True(exit == 0, $"local-cluster.sh stop exited {exit}:\n{output}");
            }
        }
        finally
        {
            azurite.Stop();
        }
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n", new UTF8Encoding(false));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string Ports(int count) => string.Join(' ', Enumerable.Range(0, count).Select(_ => FreePorts.Next()));

    private static async Task<string> ProcFileAsync(int pid, string file) =>
        Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{pid}/{file}"));

    private static async Task<(int Exit, string Output)> RunAsync(string script, string verb, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(verb);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"local-cluster.sh {verb} took longer than {ScriptTimeout}.");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Release or Debug: the script takes the silo and gateway builds of the same configuration as these tests.</summary>
    private static string ConfigurationOfThisBuild() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
}
