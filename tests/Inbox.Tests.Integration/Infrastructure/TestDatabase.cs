using System.Security.Cryptography;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Images;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// The one PostgreSQL of a test run, chosen by INBOX_TEST_POSTGRES:
/// <list type="bullet">
/// <item><c>container</c>: a throw-away PostgreSQL from Testcontainers (image INBOX_TEST_POSTGRES_IMAGE, default the
/// official postgres:15; an image the machine has is never pulled), with the roles and database of
/// deploy/postgres-init.sql, started on first use and removed by <see cref="StopAsync"/>;</item>
/// <item><c>local</c>: the database `./inbox test` prepared on the machine's PostgreSQL, given by
/// ConnectionStrings__Inbox and ConnectionStrings__InboxOwner.</item>
/// </list>
/// Unset: container when a Docker engine answers, local otherwise. Either way the connection strings are this
/// process's environment variables, where the services, the configurations the tests build and the Inbox.Manage
/// processes they start all read them.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<Task> Started = new(StartOnceAsync);
    private static PostgreSqlContainer? _container;

    /// <summary>Starts (once) and checks the database; connection strings are set when it completes.</summary>
    public static Task StartAsync() => Started.Value;

    /// <summary>Removes the container, if this run has one.</summary>
    public static async Task StopAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }

    private static async Task StartOnceAsync()
    {
        var mode = Environment.GetEnvironmentVariable("INBOX_TEST_POSTGRES") is { Length: > 0 } chosen ? chosen
            : TestcontainersSettings.OS.DockerEndpointAuthConfig is not null ? "container" : "local";
        switch (mode)
        {
            case "container": await StartContainerAsync(); break;
            case "local": break;
            default: throw new InvalidOperationException($"INBOX_TEST_POSTGRES is '{mode}': container or local.");
        }
        await EnsureRowLevelSecurityBindsAsync();
    }

    private static async Task StartContainerAsync()
    {
        var image = Environment.GetEnvironmentVariable("INBOX_TEST_POSTGRES_IMAGE") is { Length: > 0 } name ? name : "postgres:15";
        _container = new PostgreSqlBuilder(image)
            .WithImagePullPolicy(PullPolicy.Missing)
            .WithPassword(NewPassword())
            // The builder turns durability off (fsync, full-page writes, synchronous commit); the machine's PostgreSQL
            // of the local mode keeps PostgreSQL's defaults, and so does this one (a later -c wins).
            .WithCommand("-c", "fsync=on", "-c", "full_page_writes=on", "-c", "synchronous_commit=on")
            // `./inbox test` removes what a crashed run left behind by this label.
            .WithLabel("inbox.tests.checkout", Environment.GetEnvironmentVariable("INBOX_TEST_CHECKOUT") ?? "")
            .Build();
        await _container.StartAsync();

        var init = await _container.ExecScriptAsync(
            "\\set ON_ERROR_STOP on\n" + await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "postgres-init.sql")));
        if (init.ExitCode != 0) throw new InvalidOperationException($"deploy/postgres-init.sql failed in the container: {init.Stderr}");
        // This run's own passwords instead of the script's dev-only ones (the port is published).
        string ownerPassword = NewPassword(), appPassword = NewPassword();
        await using (var superuser = NpgsqlDataSource.Create(_container.GetConnectionString()))
            await superuser.CreateCommand($"alter role inbox_owner password '{ownerPassword}'; alter role inbox_app password '{appPassword}'")
                .ExecuteNonQueryAsync();

        // As in the local mode: no TLS to a server on this machine.
        var server = new NpgsqlConnectionStringBuilder
        {
            Host = _container.Hostname, Port = _container.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort),
            Database = "inbox", SslMode = SslMode.Disable,
        };
        Environment.SetEnvironmentVariable("ConnectionStrings__Inbox", Login(server, "inbox_app", appPassword));
        Environment.SetEnvironmentVariable("ConnectionStrings__InboxOwner", Login(server, "inbox_owner", ownerPassword));
    }

    /// <summary>The tenant-isolation tests prove nothing if the services' role is exempt from row-level security.</summary>
    private static async Task EnsureRowLevelSecurityBindsAsync()
    {
        await using var app = NpgsqlDataSource.Create(TestSettings.AppConnectionString);
        var exempt = (bool)(await app.CreateCommand("select rolsuper or rolbypassrls from pg_roles where rolname = current_user").ExecuteScalarAsync())!;
        if (exempt) throw new InvalidOperationException("The application role is a superuser or bypasses row-level security.");
    }

    private static string Login(NpgsqlConnectionStringBuilder server, string username, string password) =>
        new NpgsqlConnectionStringBuilder(server.ConnectionString) { Username = username, Password = password }.ConnectionString;

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
