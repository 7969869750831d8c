using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inbox.Bench;

/// <summary>One bench tenant: its WhatsApp number and the access tokens of its agents.</summary>
public sealed record BenchTenant(int Index, Guid Id, Guid ChannelId, string PhoneNumberId, IReadOnlyList<string> AgentTokens);

/// <summary>
/// Bench tenants `bench-01`, `bench-02`, … each with <see cref="AgentsPerTenant"/> agents and one number
/// (phone_number_id 7000000000000nn), created once per database through the product's own TenantProvisioner and
/// reused by later runs. Agents log in through the Api like anyone (a token serves many connections).
/// </summary>
public static class BenchTenants
{
    public const int AgentsPerTenant = 10;
    public const string Password = "bench-agent-password";

    // A stable id from a name, like a version-3 UUID (which is MD5 by definition); nothing secret depends on it.
#pragma warning disable CA5351
    public static Guid TenantId(int index) => new(MD5.HashData(Encoding.UTF8.GetBytes($"inbox-bench-tenant-{index}")));
#pragma warning restore CA5351

    public static string PhoneNumberId(int index) => $"7{index:D14}";

    public static string AgentEmail(int index, int agent) => $"agent{agent}@bench-{index:D2}.inbox.test";

    /// <summary>Provisions what is missing, then logs in <paramref name="agents"/> agents of each (1 … 10).</summary>
    public static async Task<IReadOnlyList<BenchTenant>> PrepareAsync(BenchTarget target, int count, int agents, CancellationToken cancellationToken)
    {
        agents = Math.Clamp(agents, 1, AgentsPerTenant);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Inbox"] = target.ConnectionString,
            ["Secrets:Key"] = target.SecretsKey,
        }).Build();
        await using var services = new ServiceCollection().AddInboxData(configuration).AddScoped<TenantProvisioner>().BuildServiceProvider();
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        using var http = new HttpClient { BaseAddress = target.Api, Timeout = TimeSpan.FromSeconds(60) };
        var tenants = new List<BenchTenant>();
        for (var i = 1; i <= count; i++)
        {
            var id = TenantId(i);
            await using (var scope = services.CreateAsyncScope())
            {
                var provisioner = scope.ServiceProvider.GetRequiredService<TenantProvisioner>();
                if (!await provisioner.ExistsAsync(id, cancellationToken))
                    await provisioner.ProvisionAsync(new NewTenant(id, $"bench-{i:D2}", $"Bench {i:D2}",
                        [.. Enumerable.Range(0, AgentsPerTenant).Select(a =>
                            new NewMember(AgentEmail(i, a), $"Bench agent {a}", Password, a == 0 ? Roles.Owner : Roles.Agent))],
                        [new NewChannel(PhoneNumberId(i), $"bench-waba-{i}", $"1555700{i:D4}", $"bench-token-{i}")]), cancellationToken);
            }
            var channelId = (Guid)(await ScalarAsync(dataSource, id, "select id from channels where phone_number_id = $1", cancellationToken, PhoneNumberId(i)))!;
            var tokens = new List<string>();
            for (var a = 0; a < agents; a++) tokens.Add(await LoginAsync(http, AgentEmail(i, a), cancellationToken));
            tenants.Add(new BenchTenant(i, id, channelId, PhoneNumberId(i), tokens));
        }
        return tenants;
    }

    public static async Task<string> LoginAsync(HttpClient api, string email, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync("/api/auth/login", new { email, password = Password }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
    }

    /// <summary>A statement as the application role acting for a tenant (row-level security applies).</summary>
    public static async Task<object?> ScalarAsync(NpgsqlDataSource database, Guid tenantId, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var setTenant = TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        var result = await command.ExecuteScalarAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result is DBNull ? null : result;
    }

    /// <summary>Every stored message among these wamids, one entry per row (a duplicate shows twice).</summary>
    public static async Task<List<string>> PersistedAsync(NpgsqlDataSource database, Guid tenantId, IReadOnlyCollection<string> wamids, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        if (wamids.Count == 0) return found;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var setTenant = TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select wamid from messages where wamid = any($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = wamids.ToArray() });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetString(0));
        await transaction.CommitAsync(cancellationToken);
        return found;
    }
}
