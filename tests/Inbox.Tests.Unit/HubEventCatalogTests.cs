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
        var typescript = Regex.Matches(File.ReadAllText(Path.Combine(Repository.Root, "frontend/src/realtime/events.ts")),
                @"^\s*(\w+):\s*'([^']+)'", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

        Assert.NotEmpty(csharp);
        Assert.Equal(csharp.OrderBy(p => p.Key), typescript.OrderBy(p => p.Key));
    }
}
