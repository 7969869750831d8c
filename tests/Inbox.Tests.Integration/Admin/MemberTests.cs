using System.Net;
using System.Net.Http.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>Roles, the last owner, and deactivation that takes effect at once on the API and the hub.</summary>
[Collection(StackCollection.Name)]
public sealed class MemberTests(InboxStack stack)
{
    [Fact]
    public async Task The_last_active_owner_can_be_neither_demoted_nor_deactivated()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Put, $"/api/admin/members/{owner.UserId}/role", new { role = "admin" }),
            HttpStatusCode.Conflict, "urn:inbox:problem:last-owner");
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Post, $"/api/admin/members/{owner.UserId}/deactivate"), HttpStatusCode.Conflict);

        // A second owner, deactivated, does not count: the first is still the last active one.
        var second = await stack.JoinAsync(owner, "owner");
        await owner.PostJsonAsync($"/api/admin/members/{second.UserId}/deactivate", null);
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Put, $"/api/admin/members/{owner.UserId}/role", new { role = "agent" }),
            HttpStatusCode.Conflict, "urn:inbox:problem:last-owner");

        // With the second owner active again, the first may step down; then the second is the last one.
        await owner.PostJsonAsync($"/api/admin/members/{second.UserId}/reactivate", null);
        second = await stack.LoginAsAsync(tenant, (await owner.GetJsonAsync("/api/admin/members")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("userId").GetGuid() == second.UserId).GetProperty("email").GetString()!, "joiner-password");
        Assert.Equal("admin", (await owner.PutJsonAsync($"/api/admin/members/{owner.UserId}/role", new { role = "admin" })).GetProperty("role").GetString());
        await Agent.ProblemAsync(await second.SendAsync(HttpMethod.Put, $"/api/admin/members/{second.UserId}/role", new { role = "agent" }),
            HttpStatusCode.Conflict, "urn:inbox:problem:last-owner");
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from memberships where role = 'owner' and active"));
    }

    [Fact]
    public async Task A_deactivated_member_is_refused_on_the_next_request_and_their_hub_connection_closes()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        await using var agentHub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await using var ownerHub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, owner.AccessToken);
        await agent.GetJsonAsync("/api/me");

        var member = await owner.PostJsonAsync($"/api/admin/members/{agent.UserId}/deactivate", null);
        Assert.False(member.GetProperty("active").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, member.GetProperty("deactivatedAt").ValueKind);

        await Agent.ProblemAsync(await agent.GetAsync("/api/conversations"), HttpStatusCode.Unauthorized, "urn:inbox:problem:session-ended");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!agentHub.IsClosed && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(agentHub.IsClosed, "The deactivated member's hub connection is still open.");
        Assert.False(ownerHub.IsClosed);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stack.Api.Http.PostAsJsonAsync("/api/auth/login",
            new { email = tenant.AgentEmail, password = tenant.Password })).StatusCode);
        await Agent.ProblemAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = agent.RefreshToken }),
            HttpStatusCode.Unauthorized);
        await Assert.ThrowsAnyAsync<Exception>(() => HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken));

        // Reactivated: a fresh login works; the old session stays ended.
        var back = await owner.PostJsonAsync($"/api/admin/members/{agent.UserId}/reactivate", null);
        Assert.True(back.GetProperty("active").GetBoolean());
        var again = await stack.LoginAgentAsync(tenant);
        await again.GetJsonAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Nobody_deactivates_themselves_and_reactivation_needs_a_free_seat()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var admin = await stack.JoinAsync(owner, "admin");
        await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Post, $"/api/admin/members/{admin.UserId}/deactivate"), HttpStatusCode.Conflict);

        var agent = await stack.LoginAgentAsync(tenant);
        await admin.PostJsonAsync($"/api/admin/members/{agent.UserId}/deactivate", null);
        await owner.PutJsonAsync("/api/admin/seats", new { limit = 3, countPendingInvites = true });
        await owner.InviteAsync(AdminSteps.NewEmail()); // the freed seat is taken
        var problem = await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Post, $"/api/admin/members/{agent.UserId}/reactivate"),
            HttpStatusCode.Conflict, "urn:inbox:problem:no-seats");
        Assert.Equal((3, 3), (problem.GetProperty("seatsUsed").GetInt32(), problem.GetProperty("seatLimit").GetInt32()));
        await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Post, $"/api/admin/members/{Guid.NewGuid()}/reactivate"), HttpStatusCode.NotFound);
    }
}
