using System.Net;
using System.Net.Http.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class SessionTests(InboxStack stack)
{
    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        stack.Api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    /// <summary>The SessionEnded signals (Realtime closes the session's connections) of the session this refresh token belongs to.</summary>
    private Task<long> SessionEndedSignalsAsync(TestTenant tenant, string refreshToken) =>
        stack.Database.CountAsync(tenant.Id, """
            select count(*) from outbox where message_type = 'Inbox.Contracts.SessionEnded'
            and payload->>'sessionId' = (select session_id::text from refresh_tokens where token_hash = sha256(convert_to($1, 'UTF8')))
            """, refreshToken);

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
        var current = await Agent.ReadAsync(await RefreshAsync(rotated.GetProperty("refreshToken").GetString()!), HttpStatusCode.OK);
        agent.AccessToken = current.GetProperty("accessToken").GetString()!;

        // Within seconds, but the holder has already used the successor: not a lost answer, a replay.
        await Agent.ProblemAsync(await RefreshAsync(stolen), HttpStatusCode.Unauthorized, "urn:inbox:problem:invalid-refresh-token");

        // The legitimate holder's newer tokens die with the session.
        await Agent.ProblemAsync(await RefreshAsync(current.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await agent.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
        Assert.Equal(1, await SessionEndedSignalsAsync(tenant, stolen));
    }

    [Fact]
    public async Task A_refresh_retried_after_a_lost_answer_rotates_again_and_the_lost_token_is_retired()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var lost = await Agent.ReadAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.OK); // never reached the client

        var retried = await Agent.ReadAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.OK);

        var successor = retried.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(lost.GetProperty("refreshToken").GetString(), successor);
        agent.AccessToken = retried.GetProperty("accessToken").GetString()!;
        await agent.GetJsonAsync("/api/me");
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from refresh_tokens where used_at is null"));
        var next = await Agent.ReadAsync(await RefreshAsync(successor), HttpStatusCode.OK);

        // The answer the client lost holds a token nobody legitimate has: presenting it ends the session.
        await Agent.ProblemAsync(await RefreshAsync(lost.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await RefreshAsync(next.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await agent.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
        Assert.Equal(1, await SessionEndedSignalsAsync(tenant, agent.RefreshToken));
    }

    [Fact]
    public async Task A_rotated_token_presented_again_after_the_grace_ends_the_session()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var rotated = await Agent.ReadAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.OK);
        agent.AccessToken = rotated.GetProperty("accessToken").GetString()!;
        // Its first use, longer ago than Auth:RefreshRetryGrace (30 s).
        await stack.Database.ExecuteAsync(tenant.Id,
            "update refresh_tokens set used_at = now() - interval '31 seconds' where token_hash = sha256(convert_to($1, 'UTF8'))",
            agent.RefreshToken);

        await Agent.ProblemAsync(await RefreshAsync(agent.RefreshToken), HttpStatusCode.Unauthorized, "urn:inbox:problem:invalid-refresh-token");

        await Agent.ProblemAsync(await RefreshAsync(rotated.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
        await Agent.ProblemAsync(await agent.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
        Assert.Equal(1, await SessionEndedSignalsAsync(tenant, agent.RefreshToken));
    }

    [Fact]
    public async Task Only_the_immediately_previous_token_gets_the_grace()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var first = agent.RefreshToken;
        var second = await Agent.ReadAsync(await RefreshAsync(first), HttpStatusCode.OK);
        var third = await Agent.ReadAsync(await RefreshAsync(second.GetProperty("refreshToken").GetString()!), HttpStatusCode.OK);
        agent.AccessToken = third.GetProperty("accessToken").GetString()!;

        // Two rotations back, seconds ago: a copy of an old token, not a lost answer.
        await Agent.ProblemAsync(await RefreshAsync(first), HttpStatusCode.Unauthorized);

        await Agent.ProblemAsync(await agent.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
        Assert.Equal(1, await SessionEndedSignalsAsync(tenant, first));
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
