namespace ChatOrleans.Tests.Infrastructure;

/// <summary>
/// The production gateway: Gateway/ built with <c>-p:EmbeddedSilo=false</c>, a cluster client
/// without the grains, in <c>Gateway/bin/client-only/</c> (<c>./test.sh</c> builds it after the
/// solution). The multi-process tests run it, so they exercise what deploy/ ships.
/// </summary>
public static class ProductionGatewayBuild
{
    /// <summary><c>ChatOrleans.Gateway.dll</c> of the client-only build.</summary>
    public static string GatewayDll => Output("ChatOrleans.Gateway.dll");

    /// <summary><c>ChatOrleans.Gateway.deps.json</c> of the client-only build: what it carries.</summary>
    public static string DepsJson => Output("ChatOrleans.Gateway.deps.json");

    /// <summary>A file of the client-only build, for the configuration and framework the tests run in.</summary>
    public static string Output(string file)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var path = RepositoryPaths.Of("Gateway", "bin", "client-only", configuration, framework, file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: build the production gateway first (dotnet build Gateway/Gateway.csproj -c {configuration} -p:EmbeddedSilo=false; ./test.sh does).", path);
        }

        return path;
    }
}
