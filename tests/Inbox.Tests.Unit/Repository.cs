namespace Inbox.Tests.Unit;

/// <summary>The checkout the tests were built from, for tests that read its sources.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Inbox.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Inbox.sln not found above the test binaries.");
    }
}
