using System.Reflection;
using System.Text.RegularExpressions;
using Inbox.Contracts;

namespace Inbox.Tests.Unit;

public sealed class HubEventCatalogTests
{
    [Fact]
    public void The_TypeScript_catalog_mirrors_the_CSharp_one_exactly()
    {
        var csharp = typeof(HubEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        var typescript = Regex.Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "frontend/src/realtime/events.ts")),
                @"^\s*(\w+):\s*'([^']+)'", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

        Assert.NotEmpty(csharp);
        Assert.Equal(csharp.OrderBy(p => p.Key), typescript.OrderBy(p => p.Key));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Inbox.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Inbox.sln not found above the test binaries.");
    }
}
