namespace ChatOrleans.Tests.Infrastructure;

/// <summary>Files of the repository the tests read (scripts, manifests, the web client, dashboards).</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>ChatOrleans.sln</c>, found above the test output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the root, from its parts (<c>"deploy", "k8s", "configmap.yaml"</c>).</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatOrleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (ChatOrleans.sln) was not found above " + AppContext.BaseDirectory);
    }
}
