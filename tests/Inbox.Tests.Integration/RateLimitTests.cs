using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Inbox.Api.Auth;
using Inbox.Tests.Integration.Admin;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// The Api's rate limits, each on an Api of its own with small limits and short windows: 429 with Retry-After and
/// problem details past the limit, another client (address, e-mail address, user, tenant) unaffected, open again
/// after the wait. Other loopback addresses stand in for other clients.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RateLimitTests(InboxStack stack)
{
    private const string RateLimited = "urn:inbox:problem:rate-limited";

    [Fact]
    public async Task Logins_from_one_address_past_its_limit_get_429_until_the_window_ends_and_other_addresses_still_log_in()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["RateLimits:LoginPerIp:PermitLimit"] = "3", ["RateLimits:LoginPerIp:Window"] = "00:00:03",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        using var client = LoopbackClient.From(LoopbackClient.NewAddress(), api.BaseAddress);
        using var other = LoopbackClient.From(LoopbackClient.NewAddress(), api.BaseAddress);

        for (var i = 0; i < 3; i++) await Agent.AssertInvalidAsync(await client.PostAsJsonAsync("/api/auth/login", new { }), "email");
        var refused = await client.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password });
        var wait = await AssertRateLimitedAsync(refused);

        Assert.Equal(HttpStatusCode.OK, (await other.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password })).StatusCode);

        await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password })).StatusCode);
    }

    [Fact]
    public async Task Failed_logins_lock_the_address_for_growing_times_before_any_password_check_and_a_success_starts_it_afresh()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["RateLimits:LoginFailures:Allowed"] = "3", ["RateLimits:LoginFailures:FirstBackoff"] = "00:00:02",
            ["RateLimits:LoginFailures:MaxBackoff"] = "00:01:00",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        Task<HttpResponseMessage> Login(string email, string password) => api.Http.PostAsJsonAsync("/api/auth/login", new { email, password });

        for (var i = 0; i < 3; i++) await Agent.ProblemAsync(await Login(tenant.AgentEmail, "wrong-password"), HttpStatusCode.Unauthorized);
        // Locked: even the right password is refused, and it is not even checked.
        var first = await AssertRateLimitedAsync(await Login(tenant.AgentEmail, tenant.Password));
        Assert.InRange(first.TotalSeconds, 1, 2);
        // The same address in other letter case is the same address; another address (same tenant) is not affected.
        await AssertRateLimitedAsync(await Login(tenant.AgentEmail.ToUpperInvariant(), tenant.Password));
        Assert.Equal(HttpStatusCode.OK, (await Login(tenant.OwnerEmail, tenant.Password)).StatusCode);

        // Each further failure doubles the wait.
        await Task.Delay(first + TimeSpan.FromMilliseconds(200));
        await Agent.ProblemAsync(await Login(tenant.AgentEmail, "wrong-again"), HttpStatusCode.Unauthorized);
        var second = await AssertRateLimitedAsync(await Login(tenant.AgentEmail, tenant.Password));
        Assert.InRange(second.TotalSeconds, 3, 4);

        // After the wait the right password works, and the count starts again from nothing.
        await Task.Delay(second + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.OK, (await Login(tenant.AgentEmail, tenant.Password)).StatusCode);
        for (var i = 0; i < 3; i++) await Agent.ProblemAsync(await Login(tenant.AgentEmail, "wrong-password"), HttpStatusCode.Unauthorized);
        Assert.InRange((await AssertRateLimitedAsync(await Login(tenant.AgentEmail, tenant.Password))).TotalSeconds, 1, 2);

        // An unknown address backs off the same way (the answers do not tell which addresses have accounts).
        var unknown = AdminSteps.NewEmail("nobody");
        for (var i = 0; i < 3; i++) await Agent.ProblemAsync(await Login(unknown, "guess"), HttpStatusCode.Unauthorized);
        await AssertRateLimitedAsync(await Login(unknown, "guess"));
    }

    [Fact]
    public async Task Accepting_an_invite_with_an_existing_accounts_password_backs_off_like_a_login()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["RateLimits:LoginFailures:Allowed"] = "2", ["RateLimits:LoginFailures:FirstBackoff"] = "00:00:30",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(other);
        var token = (await owner.InviteAsync(tenant.AgentEmail)).GetProperty("token").GetString()!;
        Task<HttpResponseMessage> Accept(string password) => api.Http.PostAsJsonAsync($"/api/invites/{token}/accept", new { password });

        for (var i = 0; i < 2; i++) await Agent.ProblemAsync(await Accept("not-their-password"), HttpStatusCode.Unauthorized);
        await AssertRateLimitedAsync(await Accept(tenant.Password));
        await AssertRateLimitedAsync(await api.Http.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password }));
    }

    [Fact]
    public async Task Invite_lookups_and_accepts_past_the_limit_of_an_address_get_429_and_other_addresses_are_unaffected()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["RateLimits:InvitesPerIp:PermitLimit"] = "3", ["RateLimits:InvitesPerIp:Window"] = "00:00:03",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var token = (await owner.InviteAsync(AdminSteps.NewEmail())).GetProperty("token").GetString()!;
        using var guesser = LoopbackClient.From(LoopbackClient.NewAddress(), api.BaseAddress);
        using var invitee = LoopbackClient.From(LoopbackClient.NewAddress(), api.BaseAddress);

        await Agent.ProblemAsync(await guesser.GetAsync("/api/invites/guess-1"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await guesser.PostAsJsonAsync("/api/invites/guess-2/accept", new { name = "X", password = "x-password" }),
            HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await guesser.GetAsync("/api/invites/guess-3"), HttpStatusCode.NotFound);
        var wait = await AssertRateLimitedAsync(await guesser.GetAsync($"/api/invites/{token}"));
        await AssertRateLimitedAsync(await guesser.PostAsJsonAsync($"/api/invites/{token}/accept", new { name = "X", password = "x-password" }));

        Assert.Equal(HttpStatusCode.OK, (await invitee.GetAsync($"/api/invites/{token}")).StatusCode);

        await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.OK, (await guesser.GetAsync($"/api/invites/{token}")).StatusCode);
    }

    [Fact]
    public async Task The_api_is_limited_per_user_and_per_tenant_and_other_users_and_tenants_are_unaffected()
    {
        await using var api = new ServiceHost<AccessTokenIssuer>(new()
        {
            ["RateLimits:ApiPerUser:TokenLimit"] = "4", ["RateLimits:ApiPerUser:TokensPerPeriod"] = "4",
            ["RateLimits:ApiPerUser:ReplenishmentPeriod"] = "00:00:03",
            ["RateLimits:ApiPerTenant:TokenLimit"] = "6", ["RateLimits:ApiPerTenant:TokensPerPeriod"] = "6",
            ["RateLimits:ApiPerTenant:ReplenishmentPeriod"] = "00:00:03",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var agent = await stack.LoginAsync(tenant.AgentEmail, tenant.Password);
        var owner = await stack.LoginAsync(tenant.OwnerEmail, tenant.Password);
        var outsider = await stack.LoginAsync(other.AgentEmail, other.Password);
        Task<HttpResponseMessage> Me(string token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            return api.Http.SendAsync(request);
        }

        // The agent spends their own 4; a 5th is refused, by the per-user limit (the tenant still has 2).
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await Me(agent)).StatusCode);
        var wait = await AssertRateLimitedAsync(await Me(agent));
        // The owner, another user of the tenant, gets the tenant's last 2, then the tenant's limit refuses them too.
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.OK, (await Me(owner)).StatusCode);
        await AssertRateLimitedAsync(await Me(owner));
        // Another tenant is not affected.
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await Me(outsider)).StatusCode);

        await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.OK, (await Me(agent)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Me(owner)).StatusCode);
    }

    /// <summary>Asserts a 429 with Retry-After and the rate-limited problem; returns the wait.</summary>
    public static async Task<TimeSpan> AssertRateLimitedAsync(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var problem = await Agent.ProblemAsync(response, HttpStatusCode.TooManyRequests, RateLimited);
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal((long)retryAfter!.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt64());
        return retryAfter.Value;
    }
}
