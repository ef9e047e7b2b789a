using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using ChatOrleans.Gateway.Api;
using ChatOrleans.Gateway.Auth;
using ChatOrleans.Grains.Chats;
using ChatOrleans.Grains.Hosting;
using ChatOrleans.Grains.Notifications;
using ChatOrleans.ServiceDefaults;
using ChatOrleans.ServiceDefaults.Media;
using ChatOrleans.Tests.Infrastructure;
using Orleans.Configuration;
using ChatGatewayOptions = ChatOrleans.Gateway.WebSockets.GatewayOptions;

namespace ChatOrleans.Tests.Deploy;

/// <summary>
/// <c>deploy/k8s/configmap.yaml</c> holds only settings the code reads, spelled as the code binds
/// them, and every non-secret setting that <c>deploy/local-cluster.sh</c> gives all its processes
/// (the one production set-up that runs here) has its place in it too.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class KubernetesConfigMapTests
{
    /// <summary>Where each configuration section is bound, by the section's path.</summary>
    private static readonly Dictionary<string, Type[]> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [DeploymentOptions.SectionName] = [typeof(DeploymentOptions)],
        [DeploymentSiloExtensions.MembershipSection] = [typeof(ClusterMembershipOptions)],
        [DeploymentSiloExtensions.MessagingSection] = [typeof(SiloMessagingOptions), typeof(ClientMessagingOptions)],
        [MediaOptions.SectionName] = [typeof(MediaOptions)],
        [ChatGatewayOptions.SectionName] = [typeof(ChatGatewayOptions)],
        [AuthOptions.SectionName] = [typeof(AuthOptions)],
        [ApiOptions.SectionName] = [typeof(ApiOptions)],
        [ChatOptions.SectionName] = [typeof(ChatOptions)],
        [NotificationOptions.SectionName] = [typeof(NotificationOptions)],
        [EventStreamOptions.SectionName] = [typeof(EventStreamOptions)],
    };

    /// <summary>What local-cluster.sh sets per process or per machine, which a Kubernetes pod gets otherwise.</summary>
    private static readonly HashSet<string> PerProcess = new(StringComparer.OrdinalIgnoreCase)
    {
        "Orleans__ClusterId", // the script makes a fresh one per run; the ConfigMap names the cluster's
        "Orleans__AdvertisedIp", // the pod's IP, from Orleans__Kubernetes
        "Orleans__SiloPort",
        "Orleans__GatewayPort",
        "Storage__DataDirectory",
    };

    [Fact]
    public void EveryConfigMapKeyIsASettingTheCodeReads()
    {
        var keys = ConfigMapKeys();
        Assert.NotEmpty(keys);
        var unknown = keys.Where(k => !IsKnownSetting(k)).ToList();
        Assert.True(unknown.Count == 0, $"The ConfigMap sets what no options class reads: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EverySettingTheLocalClusterGivesAllItsProcessesIsInTheConfigMap()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "local-cluster.sh"));
        var shared = SharedArgument().Matches(script)
            .Select(m => m.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal))

            // A list is one setting: the ConfigMap names its first entry (the deployment's own values).
            .Select(k => ListIndex().Replace(k, "__0"))
            .Where(k => !PerProcess.Contains(k))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        Assert.Contains("Media__Azure__CorsOrigins__0", shared);

        var keys = ConfigMapKeys();
        var missing = shared.Where(k => !keys.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(missing.Count == 0, $"local-cluster.sh sets what the ConfigMap leaves out: {string.Join(", ", missing)}");
    }

    [Fact]
    public void TheCheckTellsASettingFromATypo()
    {
        Assert.True(IsKnownSetting("Media__Azure__CorsOrigins__0"));
        Assert.True(IsKnownSetting("Orleans__Membership__ProbeTimeout"));
        Assert.False(IsKnownSetting("Media__Azure__CorsOrigin__0"));
        Assert.False(IsKnownSetting("Orleans__Membership__ProbeTimeOutt"));
        Assert.False(IsKnownSetting("Nowhere__Thing"));
    }

    private static bool IsKnownSetting(string key)
    {
        var parts = key.Split("__");
        if (string.Join(':', parts).Equals(DataFolder.ConfigurationKey, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // The longest section path that is bound, then the rest as properties within it.
        for (var split = parts.Length - 1; split >= 1; split--)
        {
            var section = string.Join(':', parts[..split]);
            if (Sections.TryGetValue(section, out var types))
            {
                return types.All(t => ResolvesWithin(t, parts[split..]));
            }
        }

        return false;
    }

    private static bool ResolvesWithin(Type type, string[] path)
    {
        var current = type;
        foreach (var segment in path)
        {
            if (int.TryParse(segment, out _) && ElementType(current) is { } element)
            {
                current = element;
                continue;
            }

            var property = current.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (!property.CanWrite && ElementType(property.PropertyType) is null && property.PropertyType.IsValueType))
            {
                return false;
            }

            current = property.PropertyType;
        }

        return true;
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType ? type.GetGenericArguments()[0]
        : null;

    private static List<string> ConfigMapKeys()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "deploy", "k8s", "configmap.yaml"));
        var data = Array.FindIndex(lines, l => l.TrimEnd() == "data:");
        Assert.True(data >= 0, "configmap.yaml has no data: section");
        return lines.Skip(data + 1)
            .TakeWhile(l => l.Length == 0 || l.StartsWith(' ') || l.StartsWith('#'))
            .Select(l => ConfigMapEntry().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups["key"].Value)
            .ToList();
    }

    [GeneratedRegex(@"__\d+$")]
    private static partial Regex ListIndex();

    [GeneratedRegex(@"^  (?<key>[A-Za-z0-9_]+):")]
    private static partial Regex ConfigMapEntry();

    /// <summary>An argument the script gives every process: <c>--Section:Key=value</c> in its shared list.</summary>
    [GeneratedRegex(@"^\s+""?--(?<key>[A-Z][A-Za-z0-9]*(?::[A-Za-z0-9]+)+)=", RegexOptions.Multiline)]
    private static partial Regex SharedArgument();
}
