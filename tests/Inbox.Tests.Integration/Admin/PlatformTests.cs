using System.Net;
using System.Net.Http.Json;
using Inbox.Api.Auth;
using Inbox.Data;
using Inbox.Manage;
using Inbox.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration.Admin;

/// <summary>The platform operator creates tenants: by API with X-Platform-Key, and by `./inbox tenant create`.</summary>
[Collection(StackCollection.Name)]
public sealed class PlatformTests(InboxStack stack)
{
    private static object NewTenant(string slug, int? seatLimit = 5) => new
    {
        name = "Acme " + slug, slug, ownerEmail = $"boss-{slug}@example.test", ownerName = "Bea Boss", ownerPassword = "bea-password", seatLimit,
    };

    private Task<HttpResponseMessage> CreateAsync(object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/platform/tenants") { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("X-Platform-Key", key);
        return stack.Api.Http.SendAsync(request);
    }

    [Fact]
    public async Task The_key_is_required_and_the_created_owner_can_log_in_and_administer()
    {
        var slug = "acme-" + Guid.NewGuid().ToString("N")[..8];
        await Agent.ProblemAsync(await CreateAsync(NewTenant(slug), key: null), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await CreateAsync(NewTenant(slug), key: "wrong-key"), HttpStatusCode.Unauthorized);

        var created = await Agent.ReadAsync(await CreateAsync(NewTenant(slug), InboxStack.PlatformKey), HttpStatusCode.Created);
        Assert.Equal(slug, created.GetProperty("slug").GetString());
        var login = await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/login",
            new { email = $"boss-{slug}@example.test", password = "bea-password" }), HttpStatusCode.OK);
        Assert.Equal((created.GetProperty("tenantId").GetGuid(), created.GetProperty("ownerUserId").GetGuid(), "owner"),
            (login.GetProperty("tenantId").GetGuid(), login.GetProperty("userId").GetGuid(), login.GetProperty("role").GetString()));
        var owner = new Agent(stack, new TestTenant(login.GetProperty("tenantId").GetGuid(), slug, "", "", "", ""), login);
        var seats = await owner.GetJsonAsync("/api/admin/seats");
        Assert.Equal((1, 5), (seats.GetProperty("used").GetInt32(), seats.GetProperty("limit").GetInt32()));

        await Agent.ProblemAsync(await CreateAsync(NewTenant(slug), InboxStack.PlatformKey), HttpStatusCode.Conflict, "urn:inbox:problem:conflict");
        await Agent.AssertInvalidAsync(await CreateAsync(NewTenant("Not A Slug"), InboxStack.PlatformKey), "slug");
        await Agent.AssertInvalidAsync(await CreateAsync(NewTenant("fine-" + Guid.NewGuid().ToString("N")[..6], seatLimit: 0), InboxStack.PlatformKey), "seatLimit");
    }

    [Fact]
    public async Task Without_a_configured_key_the_endpoint_does_not_exist()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new() { ["Platform:ApiKey"] = "" }).Start();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/platform/tenants") { Content = JsonContent.Create(NewTenant("nokey-" + Guid.NewGuid().ToString("N")[..6])) };
        request.Headers.Add("X-Platform-Key", "");
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Inbox_manage_tenant_create_makes_a_tenant_whose_owner_logs_in()
    {
        var slug = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        await using var services = new ServiceCollection().AddInboxData(configuration).AddScoped<TenantProvisioner>().BuildServiceProvider();
        async Task<int> RunAsync(params string[] args)
        {
            await using var scope = services.CreateAsyncScope();
            return await TenantCommand.RunAsync(args, scope.ServiceProvider.GetRequiredService<TenantProvisioner>());
        }

        Assert.Equal(0, await RunAsync("create", "--name", "CLI Co", "--slug", slug, "--owner-email", $"cli-{slug}@example.test",
            "--owner-name", "Cleo", "--owner-password", "cleo-password", "--seats", "7"));
        var login = await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/login",
            new { email = $"cli-{slug}@example.test", password = "cleo-password" }), HttpStatusCode.OK);
        Assert.Equal((slug, "owner"), (login.GetProperty("tenantSlug").GetString(), login.GetProperty("role").GetString()));
        Assert.Equal(7, await stack.Database.CountAsync(login.GetProperty("tenantId").GetGuid(), "select seat_limit from tenants"));

        Assert.Equal(2, await RunAsync("create", "--name", "Again", "--slug", slug, "--owner-email", "x@example.test",
            "--owner-name", "X", "--owner-password", "x-password"));
        Assert.Equal(2, await RunAsync("create", "--name", "No slug"));
    }

    /// <summary>
    /// Issue 19's attack: an admin invites the address of a future customer's owner into their own tenant and accepts
    /// with a password of their choosing; the operator's later tenant for that address must not become theirs — by
    /// API or by command line.
    /// </summary>
    [Fact]
    public async Task A_tenant_for_an_address_someone_already_holds_is_refused_by_api_and_command_line()
    {
        var attacker = await stack.OwnerAsync(await stack.CreateTenantAsync());
        var email = $"ceo-{Guid.NewGuid():N}@bigcustomer.example";
        var invite = await attacker.InviteAsync(email);
        await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync($"/api/invites/{invite.GetProperty("token").GetString()}/accept",
            new { name = "Mallory", password = "mallory-password" }), HttpStatusCode.OK);
        var slug = "big-" + Guid.NewGuid().ToString("N")[..8];

        var byApi = await CreateAsync(new { name = "Big Customer", slug, ownerEmail = email, ownerName = "The CEO", ownerPassword = "operator-password", seatLimit = 5 },
            InboxStack.PlatformKey);
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        await using var services = new ServiceCollection().AddInboxData(configuration).AddScoped<TenantProvisioner>().BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var byCommandLine = await TenantCommand.RunAsync(["create", "--name", "Big Customer", "--slug", slug, "--owner-email", email,
            "--owner-name", "The CEO", "--owner-password", "operator-password"], scope.ServiceProvider.GetRequiredService<TenantProvisioner>());

        await Agent.ProblemAsync(byApi, HttpStatusCode.Conflict, "urn:inbox:problem:conflict");
        Assert.Equal(2, byCommandLine);
        Assert.Equal(0, await stack.Database.CountAsync(null, "select count(*) from auth_memberships((select user_id from auth_find_user($1))) where tenant_slug = $2", email, slug));
        var login = await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email, password = "mallory-password" }), HttpStatusCode.OK);
        Assert.Equal(attacker.Tenant.Id, login.GetProperty("tenantId").GetGuid()); // still only the attacker's own tenant
    }
}
