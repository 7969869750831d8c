using Inbox.Data;
using Inbox.Tests.Integration.Infrastructure;
using Npgsql;

namespace Inbox.Tests.Integration;

/// <summary>
/// The SQL functions in force are the files under shared/Inbox.Data/Sql: every function of the database is defined
/// there, with the same arguments, result, attributes and body, and nothing is defined only in a migration.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class StoredFunctionsTests(InboxStack stack)
{
    [Fact]
    public async Task Every_database_function_is_the_one_its_file_defines()
    {
        _ = stack; // the stack has migrated the database and applied the files
        await using var connection = new NpgsqlConnection(TestSettings.OwnerConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The files again, into a scratch schema (rolled back): the definitions they make, side by side with public's.
        await Execute(connection, transaction,
            "create schema stored_functions_check; set local search_path = stored_functions_check, public; set local check_function_bodies = off");
        foreach (var (_, sql) in StoredFunctions.Files) await Execute(connection, transaction, sql);
        await Execute(connection, transaction, "set local search_path = public");

        var inDatabase = await DefinitionsAsync(connection, transaction, "public");
        var inFiles = await DefinitionsAsync(connection, transaction, "stored_functions_check");
        await transaction.RollbackAsync();

        Assert.NotEmpty(inFiles);
        Assert.Equal(inFiles.Keys.Order(), inDatabase.Keys.Order()); // none only in a migration, none only in a file
        foreach (var (function, definition) in inFiles)
            Assert.Equal(definition.Replace("stored_functions_check.", "public.", StringComparison.Ordinal), inDatabase[function]);
    }

    [Fact]
    public void Each_file_only_creates_or_replaces_functions()
    {
        // Tables, grants and ownership belong to migrations: a file is re-applied on every migrate.
        foreach (var (file, sql) in StoredFunctions.Files)
        {
            var outsideBodies = string.Concat(sql.Split("$$").Where((_, i) => i % 2 == 0));
            var withoutComments = string.Join('\n', outsideBodies.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal)));
            var statements = withoutComments.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
            Assert.All(statements, s => Assert.StartsWith("create or replace function ", s, StringComparison.Ordinal));
            Assert.True(statements.Count > 0, file);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Each function of a schema by its signature (name and argument types), with its full definition.</summary>
    private static async Task<Dictionary<string, string>> DefinitionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema)
    {
        await using var command = new NpgsqlCommand("""
            select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid)
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = $1
            """, connection, transaction) { Parameters = { new() { Value = schema } } };
        await using var reader = await command.ExecuteReaderAsync();
        var definitions = new Dictionary<string, string>();
        while (await reader.ReadAsync()) definitions.Add(reader.GetString(0), reader.GetString(1));
        return definitions;
    }
}
