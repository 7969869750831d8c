namespace Inbox.Api;

/// <summary>Search text as a SQL LIKE pattern: its own %, _ and \ match themselves.</summary>
public static class LikePattern
{
    /// <summary>"%text%", trimmed, for ILIKE escaped by a backslash: EF.Functions.ILike(column, pattern, "\\").</summary>
    public static string Containing(string text) => "%" + Escape(text.Trim()) + "%";

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
