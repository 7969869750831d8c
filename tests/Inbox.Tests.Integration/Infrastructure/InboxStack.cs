using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Api.Auth;
using Inbox.CloudApiSimulator;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Realtime;
using Inbox.WebhookIngest;
using Inbox.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// The whole product for the tests: migrations applied to the real database (<see cref="TestDatabase"/>), then Api, WebhookIngest, Realtime and
/// Workers started once and shared. Tests isolate themselves by creating their own tenants.
/// </summary>
public sealed class InboxStack : IAsyncLifetime
{
    /// <summary>The platform operator's key the Api is started with (X-Platform-Key).</summary>
    public const string PlatformKey = "test-platform-key-0123456789abcdef";

    /// <summary>
    /// The Api; it proves numbers with the simulator's Graph API. Every test is one client, 127.0.0.1, and the suite
    /// logs in hundreds of times: the per-address limits are raised (RateLimitTests and WebhookAbuseTests check them on
    /// services of their own).
    /// </summary>
    public ServiceHost<AccessTokenIssuer> Api { get; private set; } = null!;
    public ServiceHost<WebhookIngestor> Ingest { get; } = new(new() { ["RateLimits:WebhookFailuresPerIp:PermitLimit"] = "100000" });
    public ServiceHost<InboxHub> Realtime { get; } = NewRealtime();

    /// <summary>
    /// Each service's connection pool in the tests (Npgsql's default is 100): the shared stack, the services tests
    /// start of their own and the bench scenarios share one PostgreSQL of 100 connections, and pools keep what they
    /// opened at their busiest for minutes.
    /// </summary>
    private const string TestPoolSize = "16";

    /// <summary>A Realtime instance with short timers, so typing expiry and presence show within a test; plus any other settings.</summary>
    public static ServiceHost<InboxHub> NewRealtime(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Realtime:InstanceId"] = $"test-{Guid.NewGuid():N}",
            ["Realtime:TypingExpirySeconds"] = "1.5",
            ["Realtime:HeartbeatSeconds"] = "1",
            ["Realtime:InstanceTimeoutSeconds"] = "4",
            ["Database:MaxPoolSize"] = TestPoolSize,
        };
        foreach (var (key, value) in settings ?? []) all[key] = value;
        return new(all);
    }
    /// <summary>
    /// A Realtime instance of another deployment on the tests' vhost: it publishes on <paramref name="redis"/>, under a
    /// channel prefix of its own, as another stack sharing the broker would.
    /// </summary>
    public static ServiceHost<InboxHub> NewDeployment(PrivateRedis redis) =>
        NewRealtime(new() { ["ConnectionStrings:Redis"] = $"127.0.0.1:{redis.Port},channelPrefix=elsewhere-{Guid.NewGuid():N}" });

    /// <summary>Meta, as far as the tests are concerned: the project's Cloud API simulator, posting to Ingest.</summary>
    public Simulator Simulator { get; private set; } = null!;

    /// <summary>Workers call the simulator's Graph API; media downloads retry twice, quickly; the sweeps of abandoned
    /// sends and downloads and the retention job run every second (retention in batches of 2).</summary>
    public ServiceHost<OutboxSweepJob> Workers { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;

    private ServiceProvider _provisioning = null!;

    public async Task InitializeAsync()
    {
        await TestDatabase.StartAsync();
        Database = NpgsqlDataSource.Create(TestSettings.AppConnectionString);
        await DatabaseMigrator.MigrateAsync(TestSettings.OwnerConnectionString);
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        _provisioning = new ServiceCollection().AddInboxData(configuration).AddScoped<TenantProvisioner>().BuildServiceProvider();

        Ingest.Start();
        Realtime.Start();
        Simulator = new Simulator(Ingest.BaseAddress).Start();
        Api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["Platform:ApiKey"] = PlatformKey, ["RateLimits:LoginPerIp:PermitLimit"] = "100000",
            ["Database:MaxPoolSize"] = TestPoolSize,
            ["WhatsApp:GraphBaseUrl"] = Simulator.BaseAddress.ToString().TrimEnd('/'),
        }).Start();
        Workers = new ServiceHost<OutboxSweepJob>(new()
        {
            ["Database:MaxPoolSize"] = TestPoolSize,
            ["WhatsApp:GraphBaseUrl"] = Simulator.BaseAddress.ToString().TrimEnd('/'),
            ["Media:RetryIntervals"] = "00:00:00.200,00:00:00.500",
            ["Jobs:ConversationTimersInterval"] = "00:00:01",
            ["Outbound:RetryBaseDelay"] = "00:00:00.050",
            ["Outbound:MaxRetries"] = "3",
            ["Outbound:AttemptTimeout"] = "00:00:05",
            ["Outbound:LeaseSweepInterval"] = "00:00:01",
            ["Media:AttemptTimeout"] = "00:00:04",
            ["Media:PendingDeadline"] = "00:01:00",
            ["Media:SweepInterval"] = "00:00:01",
            ["Retention:Interval"] = "00:00:01",
            ["Retention:BatchSize"] = "2",
        }).Start();
        await WaitForBusAsync(Realtime); // its queue must be bound before anything is published
        await WaitForBusAsync(Ingest);
    }

    /// <summary>A new tenant with an owner, an agent and one WhatsApp number, all with unique names.</summary>
    public async Task<TestTenant> CreateTenantAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var tenant = new TestTenant(
            Guid.CreateVersion7(), $"t-{suffix}", PhoneNumberId: $"9{Random.Shared.NextInt64(10_000_000_000, 99_999_999_999)}",
            AgentEmail: $"agent-{suffix}@example.test", OwnerEmail: $"owner-{suffix}@example.test", Password: $"pw-{suffix}-secret")
        {
            AccessToken = "token-" + suffix,
            WabaId = "waba-" + suffix,
        };
        var token = tenant.AccessToken;
        await Simulator.AddNumberAsync(tenant.PhoneNumberId, token, "1555" + suffix[..6], tenant.WabaId);
        await using var scope = _provisioning.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TenantProvisioner>().ProvisionAsync(new NewTenant(
            tenant.Id, tenant.Slug, $"Tenant {suffix}",
            [
                new NewMember(tenant.OwnerEmail, "Owner " + suffix, tenant.Password, Roles.Owner),
                new NewMember(tenant.AgentEmail, "Agent " + suffix, tenant.Password, Roles.Agent),
            ],
            [new NewChannel(tenant.PhoneNumberId, tenant.WabaId, "1555" + suffix[..6], token)]));
        return tenant;
    }

    /// <summary>
    /// Waits until Workers have read the tenant's templates from its WABA (the simulator's samples, unless the test
    /// changed them) at least once since <paramref name="since"/> (provisioning asks for it, see TenantProvisioner).
    /// </summary>
    public async Task TemplatesReadAsync(TestTenant tenant, DateTimeOffset? since = null)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var connection = await Database.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var setTenant = TenantSql.SetTenant(connection, tenant.Id, transactionLocal: true))
                await setTenant.ExecuteNonQueryAsync();
            await using var command = new NpgsqlCommand("select max(templates_synced_at) from channel_health", connection, transaction);
            if (await command.ExecuteScalarAsync() is DateTime read && read >= (since ?? DateTimeOffset.MinValue).UtcDateTime) return;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"The templates of tenant {tenant.Slug} were not read.");
            await Task.Delay(100);
        }
    }

    public async Task<string> LoginAsync(string email, string password)
    {
        var response = await Api.Http.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private readonly Dictionary<Guid, string> _tokens = [];

    /// <summary>The tenant agent's access token, logged in once per test run.</summary>
    public async Task<string> TokenAsync(TestTenant tenant)
    {
        if (!_tokens.TryGetValue(tenant.Id, out var token))
            _tokens[tenant.Id] = token = await LoginAsync(tenant.AgentEmail, tenant.Password);
        return token;
    }

    public async Task<HubClient> ConnectAgentAsync(TestTenant tenant) =>
        await HubClient.ConnectAsync(Realtime.BaseAddress, await LoginAsync(tenant.AgentEmail, tenant.Password));

    public static async Task WaitForBusAsync<T>(ServiceHost<T> host) where T : class
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var health = await host.Http.GetFromJsonAsync<JsonElement>("/health");
            if (health.GetProperty("checks").TryGetProperty("bus", out var bus) && bus.GetProperty("status").GetString() == "Healthy")
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException("The bus did not become healthy.");
    }

    public async Task DisposeAsync()
    {
        await Workers.DisposeAsync();
        await Simulator.DisposeAsync();
        await Realtime.DisposeAsync();
        await Ingest.DisposeAsync();
        await Api.DisposeAsync();
        await _provisioning.DisposeAsync();
        await Database.DisposeAsync();
        await TestDatabase.StopAsync(); // the stack's collection holds every integration test: nothing uses it after this
    }
}

public sealed record TestTenant(Guid Id, string Slug, string PhoneNumberId, string AgentEmail, string OwnerEmail, string Password)
{
    /// <summary>The token Meta (the simulator) knows the number by, and its WhatsApp Business Account.</summary>
    public string AccessToken { get; init; } = "";
    public string WabaId { get; init; } = "";
}

/// <summary>
/// All integration tests share one stack and run one after another: one of them stops RabbitMQ, which would
/// disturb anything running beside it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<InboxStack>
{
    public const string Name = "stack";
}
