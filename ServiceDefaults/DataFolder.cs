using Microsoft.Extensions.Configuration;

namespace ChatOrleans.ServiceDefaults;

/// <summary>
/// Where the embedded profile keeps its files (database, signing key, media): configuration
/// <c>Storage:DataDirectory</c>, else <c>./data</c> under the working directory.
/// </summary>
/// <remarks>
/// The folder holds the token signing key and every message: on Unix it is made 0700, and an
/// existing one with group or other permissions is narrowed to its owner at start
/// (<see cref="Corrections"/> says what was changed, for the start-up log).
/// </remarks>
public sealed class DataFolder
{
    public const string ConfigurationKey = "Storage:DataDirectory";

    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode SecretFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAndOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly List<string> _corrections = [];

    public DataFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
            return;
        }

        if (!Directory.Exists(Path))
        {
            Directory.CreateDirectory(Path, FolderMode);
        }

        NoteCorrection(RestrictToOwner(Path));
    }

    public string Path { get; }

    /// <summary>What was found readable by others at start and narrowed (or could not be), one line each.</summary>
    public IReadOnlyList<string> Corrections
    {
        get
        {
            lock (_corrections)
            {
                return [.. _corrections];
            }
        }
    }

    public static DataFolder FromConfiguration(IConfiguration configuration) =>
        new(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : "data");

    /// <summary>
    /// Removes group and other permissions from <paramref name="path"/> (Unix only). Null when
    /// nothing needed changing; otherwise a line saying what was changed or why it could not be.
    /// </summary>
    public static string? RestrictToOwner(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOther) == 0)
        {
            return null;
        }

        var narrowed = mode & ~GroupAndOther;
        try
        {
            File.SetUnixFileMode(path, narrowed);
            return $"{path} was {Octal(mode)}, now {Octal(narrowed)}";
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"{path} is {Octal(mode)} and could not be narrowed: {ex.Message}";
        }
    }

    /// <summary>Keeps a line of <see cref="RestrictToOwner"/> for the start-up log.</summary>
    public void NoteCorrection(string? correction)
    {
        if (correction is not null)
        {
            lock (_corrections)
            {
                _corrections.Add(correction);
            }
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
