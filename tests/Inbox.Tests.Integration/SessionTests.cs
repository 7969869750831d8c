using System.Net;
using System.Net.Http.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class SessionTests(InboxStack stack)
{
    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        stack.Api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    [Fact]
    public async Task Me_tells_the_caller_who_they_are_in_which_tenant_and_role()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.LoginAgentAsync(tenant, owner: true);

        var me = await owner.GetJsonAsync("/api/me");

        Assert.Equal(tenant.OwnerEmail, me.GetProperty("email").GetString());
        Assert.Equal("owner", me.GetProperty("role").GetString());
        Assert.Equal(tenant.Id, me.GetProperty("tenantId").GetGuid());
        Assert.Equal(tenant.Slug, me.GetProperty("tenantSlug").GetString());
    }

    [Fact]
    public async Task A_refresh_token_rotates_and_the_new_tokens_work()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);

        var refreshed = await Agent.ReadAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.OK);

        Assert.NotEqual(agent.RefreshToken, refreshed.GetProperty("refreshToken").GetString());
        Assert.Equal("agent", refreshed.GetProperty("role").GetString());
        agent.AccessToken = refreshed.GetProperty("accessToken").GetString()!;
        Assert.Equal(tenant.AgentEmail, (await agent.GetJsonAsync("/api/me")).GetProperty("email").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from auth_sessions"));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from refresh_tokens where token_hash = sha256(convert_to($1, 'UTF8')) and used_at is not null", agent.RefreshToken));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from refresh_tokens where used_at is null"));
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_hashes()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from refresh_tokens where token_hash = sha256(convert_to($1, 'UTF8'))", agent.RefreshToken));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from refresh_tokens where position(convert_to($1, 'UTF8') in token_hash) > 0", agent.RefreshToken));
    }

    [Fact]
    public async Task Reusing_a_used_refresh_token_ends_the_whole_session()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var stolen = agent.RefreshToken;
        var rotated = await Agent.ReadAsync(await RefreshAsync(stolen), HttpStatusCode.OK);
        agent.AccessToken = rotated.GetProperty("accessToken").GetString()!;

        await Agent.ProblemAsync(await RefreshAsync(stolen), HttpStatusCode.Unauthorized, "urn:inbox:problem:invalid-refresh-token");

        // The legitimate holder's newer tokens die with the session.
        await Agent.ProblemAsync(await RefreshAsync(rotated.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await agent.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
    }

    [Fact]
    public async Task Logout_ends_the_session_for_its_access_and_refresh_tokens_but_not_other_sessions()
    {
        var tenant = await stack.CreateTenantAsync();
        var laptop = await stack.LoginAgentAsync(tenant);
        var phone = await stack.LoginAgentAsync(tenant);

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.SendAsync(HttpMethod.Post, "/api/auth/logout")).StatusCode);

        await Agent.ProblemAsync(await laptop.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await RefreshAsync(laptop.RefreshToken), HttpStatusCode.Unauthorized);
        await phone.GetJsonAsync("/api/me");
    }

    [Fact]
    public async Task A_deactivated_member_is_refused_from_the_next_request_on()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await agent.GetJsonAsync("/api/conversations");

        await stack.Database.ExecuteAsync(tenant.Id, "update memberships set active = false where user_id = $1", agent.UserId);

        var refused = await Agent.ProblemAsync(await agent.GetAsync("/api/conversations"), HttpStatusCode.Unauthorized,
            "urn:inbox:problem:session-ended");
        Assert.Contains("no longer active", refused.GetProperty("detail").GetString());
        await Agent.ProblemAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.Unauthorized);
        var login = await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    [Fact]
    public async Task A_deactivated_member_cannot_connect_to_the_hub()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await stack.Database.ExecuteAsync(tenant.Id, "update memberships set active = false where user_id = $1", agent.UserId);

        await Assert.ThrowsAnyAsync<Exception>(() => HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken));
    }

    [Fact]
    public async Task A_role_change_applies_from_the_next_request_without_a_new_token()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var settings = new { readReceipts = true, autoResolveAfterMinutes = (int?)null };
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Put, "/api/settings", settings), HttpStatusCode.Forbidden);

        await stack.Database.ExecuteAsync(tenant.Id, "update memberships set role = 'admin' where user_id = $1", agent.UserId);

        await agent.PutJsonAsync("/api/settings", settings);
        Assert.Equal("admin", (await agent.GetJsonAsync("/api/me")).GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_refresh_without_a_token_is_a_validation_problem_and_a_made_up_one_is_401()
    {
        await Agent.AssertInvalidAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/refresh", new { }), "refreshToken");
        await Agent.ProblemAsync(await RefreshAsync("made-up"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_and_logout_need_a_token()
    {
        await Agent.ProblemAsync(await stack.Api.Http.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await stack.Api.Http.PostAsync("/api/auth/logout", null), HttpStatusCode.Unauthorized);
    }
}
