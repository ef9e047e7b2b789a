using System.Text.RegularExpressions;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.Tests.Infrastructure;

namespace ChatOrleans.Tests.Deploy;

/// <summary>
/// Kubernetes asks every silo and gateway pod the two questions the processes answer: liveness
/// (<c>/healthz</c>: restart me if this fails) and readiness (<c>/healthz/ready</c>: send me no
/// traffic while my store, Redis or the cluster is unreachable), on the container's HTTP port.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class KubernetesProbeTests
{
    [Theory]
    [InlineData("silo-deployment.yaml")]
    [InlineData("gateway-deployment.yaml")]
    public void EveryDeploymentProbesLivenessAndReadinessOnItsHttpPort(string manifest)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", manifest));

        Assert.Equal(ObservabilityExtensions.ReadinessPath, ProbePath(text, "readinessProbe"));
        Assert.Equal(ObservabilityExtensions.LivenessPath, ProbePath(text, "livenessProbe"));
        Assert.Matches(NamedHttpPort(), text);
    }

    /// <summary>The <c>httpGet</c> path of a probe, which must ask the port named <c>http</c>.</summary>
    private static string ProbePath(string manifest, string probe)
    {
        var match = Regex.Match(manifest, $@"^\s*{probe}:\s*\n\s*httpGet:\s*\n\s*path:\s*(?<path>\S+)\s*\n\s*port:\s*(?<port>\S+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {probe} with an httpGet path and port");
        Assert.Equal("http", match.Groups["port"].Value);
        return match.Groups["path"].Value;
    }

    [GeneratedRegex(@"-\s*name:\s*http\s*\n\s*containerPort:\s*\d+")]
    private static partial Regex NamedHttpPort();
}
