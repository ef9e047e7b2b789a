namespace ChatOrleans.Gateway.Hosting;

/// <summary>
/// Where the embedded profile keeps its files (database, signing key, media): configuration
/// <c>Storage:DataDirectory</c>, else <c>./data</c> under the working directory.
/// </summary>
public sealed class DataFolder
{
    public const string ConfigurationKey = "Storage:DataDirectory";

    public DataFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public static DataFolder FromConfiguration(IConfiguration configuration) =>
        new(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : "data");
}
