namespace Inbox.Tests.Unit;

/// <summary>
/// Which tenant a connection acts for is told to PostgreSQL in one place (Inbox.Data's TenantSql): a
/// set_config('app.tenant_id', …) typed anywhere else is a second rule that can drift from the first.
/// </summary>
public sealed class TenantSqlTests
{
    [Fact]
    public void Only_TenantSql_sets_the_tenant_of_a_connection()
    {
        var stray = new[] { "services", "shared", "tools", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !file.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && Path.GetFileName(file) is not ("TenantSql.cs" or nameof(TenantSqlTests) + ".cs"))
            .Where(file => File.ReadAllText(file).Contains("set_config('app.tenant_id'", StringComparison.OrdinalIgnoreCase))
            .Select(file => Path.GetRelativePath(Repository.Root, file))
            .ToList();

        Assert.Empty(stray);
    }
}
