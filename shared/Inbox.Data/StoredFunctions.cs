using System.Reflection;
using Npgsql;

namespace Inbox.Data;

/// <summary>
/// The SQL functions in force, one file per area under Sql/. The migrations that first created them are history;
/// these files are the current rule, applied with <c>create or replace</c> after the migrations, so a body is changed
/// by editing its file. A change of arguments or return type still needs a migration that drops the old function.
/// Ownership and grants are kept by <c>create or replace</c> and stay in the migrations.
/// </summary>
public static class StoredFunctions
{
    /// <summary>Each area's file name (e.g. "ingest.sql") and its text, in name order.</summary>
    public static IReadOnlyList<(string File, string Sql)> Files { get; } = Load();

    /// <summary>Re-applies every file in one transaction, under a lock so two migrators never race.</summary>
    public static async Task ApplyAsync(string ownerConnectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('inbox.stored_functions'))", connection, transaction))
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        foreach (var (_, sql) in Files)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static List<(string, string)> Load()
    {
        const string Prefix = "Inbox.Data.Sql.";
        var assembly = typeof(StoredFunctions).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (name[Prefix.Length..], Read(assembly, name)))
            .ToList();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        return reader.ReadToEnd();
    }
}
