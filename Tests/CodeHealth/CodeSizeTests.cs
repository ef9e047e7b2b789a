using ChatOrleans.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ChatOrleans.Tests.CodeHealth;

/// <summary>
/// The size limits a newcomer can rely on: no file of the grains or the gateway over 400 lines,
/// no method of the product over 60 lines (signature to closing brace). Read from the sources
/// with the C# parser, so comments, strings and attributes are judged as the compiler sees them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CodeSizeTests
{
    public const int MaxFileLines = 400;
    public const int MaxMethodLines = 60;

    private static readonly string[] ProductProjects = ["Grains.Interfaces", "Grains", "ServiceDefaults", "Silo", "Gateway", "Client"];

    [Fact]
    public void NoFileOfTheGrainsOrTheGatewayIsOver400Lines()
    {
        var tooLong = SourceFiles("Grains", "ServiceDefaults", "Gateway")
            .Select(f => (File: f, Lines: File.ReadAllLines(f).Length))
            .Where(f => f.Lines > MaxFileLines)
            .Select(f => $"{Relative(f.File)}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"Over {MaxFileLines} lines:\n" + string.Join('\n', tooLong));
    }

    [Fact]
    public void NoMethodOfTheProductIsOver60Lines()
    {
        var files = SourceFiles(ProductProjects).ToList();
        Assert.NotEmpty(files);
        var tooLong = new List<string>();
        foreach (var file in files)
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: file).GetRoot();
            foreach (var member in root.DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                var lines = Lines(member);
                if (lines > MaxMethodLines)
                {
                    tooLong.Add($"{Relative(file)}:{Line(member.GetFirstToken(includeZeroWidth: false))} {Name(member)}: {lines} lines");
                }
            }
        }

        Assert.True(tooLong.Count == 0, $"Over {MaxMethodLines} lines:\n" + string.Join('\n', tooLong));
    }

    /// <summary>From the first token after the attributes (the signature) to the body's last.</summary>
    private static int Lines(BaseMethodDeclarationSyntax member)
    {
        var first = member.Modifiers.Count > 0 ? member.Modifiers[0] : member.ChildTokens().First();
        if (member.AttributeLists.Count > 0 && member.Modifiers.Count == 0)
        {
            first = member.AttributeLists[^1].GetLastToken().GetNextToken();
        }

        return Line(member.GetLastToken()) - Line(first) + 1;
    }

    private static int Line(SyntaxToken token) => token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private static string Name(BaseMethodDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text + " (constructor)",
        _ => member.Kind().ToString(),
    };

    private static IEnumerable<string> SourceFiles(params string[] projects) =>
        projects.SelectMany(p => Directory.EnumerateFiles(RepositoryPaths.Of(p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    private static string Relative(string file) => Path.GetRelativePath(RepositoryPaths.Root, file);
}
