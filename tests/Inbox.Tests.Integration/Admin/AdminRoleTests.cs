using System.Net;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration.Admin;

/// <summary>Who may call which admin endpoint: agents never, admins most, owners all; anonymous callers 401.</summary>
[Collection(StackCollection.Name)]
public sealed class AdminRoleTests(InboxStack stack)
{
    private sealed record Call(string Method, string Route, Func<Ids, string> Path, Func<object?>? Body = null, bool OwnerOnly = false);

    private sealed record Ids(Guid Member, Guid Invite, Guid Channel);

    /// <summary>Every /api/admin endpoint, with a harmless body (the matrix below checks this list is complete).</summary>
    private readonly Call[] Calls =
    [
        new("GET", "/api/admin/seats", _ => "/api/admin/seats"),
        new("PUT", "/api/admin/seats", _ => "/api/admin/seats", () => new { limit = 200, countPendingInvites = false }, OwnerOnly: true),
        new("GET", "/api/admin/members", _ => "/api/admin/members"),
        new("PUT", "/api/admin/members/{userId:guid}/role", i => $"/api/admin/members/{i.Member}/role", () => new { role = "agent" }),
        new("POST", "/api/admin/members/{userId:guid}/deactivate", i => $"/api/admin/members/{i.Member}/deactivate"),
        new("POST", "/api/admin/members/{userId:guid}/reactivate", i => $"/api/admin/members/{i.Member}/reactivate"),
        new("GET", "/api/admin/invites", _ => "/api/admin/invites"),
        new("POST", "/api/admin/invites", _ => "/api/admin/invites", () => new { email = AdminSteps.NewEmail(), role = "agent" }),
        new("DELETE", "/api/admin/invites/{id:guid}", i => $"/api/admin/invites/{i.Invite}"),
        new("GET", "/api/admin/channels", _ => "/api/admin/channels"),
        new("GET", "/api/admin/channels/{id:guid}", i => $"/api/admin/channels/{i.Channel}"),
        new("POST", "/api/admin/channels", _ => "/api/admin/channels", () => stack.NewChannel()),
        new("PATCH", "/api/admin/channels/{id:guid}", i => $"/api/admin/channels/{i.Channel}", () => new { name = "Renamed" }),
        new("POST", "/api/admin/channels/{id:guid}/disable", i => $"/api/admin/channels/{i.Channel}/disable"),
        new("POST", "/api/admin/channels/{id:guid}/enable", i => $"/api/admin/channels/{i.Channel}/enable"),
        new("POST", "/api/admin/channels/{id:guid}/templates/sync", i => $"/api/admin/channels/{i.Channel}/templates/sync"),
        new("GET", "/api/admin/audit", _ => "/api/admin/audit"),
    ];

    [Fact]
    public void The_matrix_covers_every_admin_endpoint()
    {
        var mapped = stack.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/admin", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order().ToList();
        Assert.Equal(Calls.Select(c => $"{c.Method} {c.Route}").Order().ToList(), mapped);
    }

    [Fact]
    public async Task Agents_get_403_admins_all_but_owner_actions_owners_everything()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await owner.PutJsonAsync("/api/admin/seats", new { limit = 200, countPendingInvites = false }); // room for every invite below
        var agent = await stack.LoginAgentAsync(tenant);
        var admin = await stack.JoinAsync(owner, "admin");
        var target = await stack.JoinAsync(owner, "agent");
        var channel = (await owner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0].GetProperty("id").GetGuid();

        async Task<Ids> IdsAsync() =>
            new(target.UserId, (await owner.InviteAsync(AdminSteps.NewEmail())).GetProperty("id").GetGuid(), channel);

        foreach (var call in Calls)
        {
            var ids = await IdsAsync();
            var refused = await agent.SendAsync(new HttpMethod(call.Method), call.Path(ids), call.Body?.Invoke());
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{call.Method} {call.Route} as agent: {(int)refused.StatusCode}");
            await Agent.ProblemAsync(refused, HttpStatusCode.Forbidden, "urn:inbox:problem:forbidden");

            var asAdmin = await admin.SendAsync(new HttpMethod(call.Method), call.Path(ids), call.Body?.Invoke());
            if (call.OwnerOnly) await Agent.ProblemAsync(asAdmin, HttpStatusCode.Forbidden, "urn:inbox:problem:forbidden");
            else Assert.True(asAdmin.IsSuccessStatusCode, $"{call.Method} {call.Route} as admin: {(int)asAdmin.StatusCode} {await asAdmin.Content.ReadAsStringAsync()}");

            var asOwner = await owner.SendAsync(new HttpMethod(call.Method), call.Path(await IdsAsync()), call.Body?.Invoke());
            Assert.True(asOwner.IsSuccessStatusCode, $"{call.Method} {call.Route} as owner: {(int)asOwner.StatusCode} {await asOwner.Content.ReadAsStringAsync()}");

            var anonymous = await stack.Api.Http.SendAsync(new HttpRequestMessage(new HttpMethod(call.Method), call.Path(ids)));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    [Fact]
    public async Task Only_owners_grant_or_take_away_owner_and_touch_owners()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var admin = await stack.JoinAsync(owner, "admin");
        var agent = await stack.LoginAgentAsync(tenant);

        await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Put, $"/api/admin/members/{agent.UserId}/role", new { role = "owner" }),
            HttpStatusCode.Forbidden, "urn:inbox:problem:forbidden");
        await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Put, $"/api/admin/members/{owner.UserId}/role", new { role = "agent" }),
            HttpStatusCode.Forbidden);
        await Agent.ProblemAsync(await admin.SendAsync(HttpMethod.Post, $"/api/admin/members/{owner.UserId}/deactivate"), HttpStatusCode.Forbidden);

        // Admins manage agents and admins.
        Assert.Equal("admin", (await admin.PutJsonAsync($"/api/admin/members/{agent.UserId}/role", new { role = "admin" })).GetProperty("role").GetString());
        // The role in force is the stored one: the promoted agent's old token now opens admin endpoints.
        await agent.GetJsonAsync("/api/admin/members");

        Assert.Equal("owner", (await owner.PutJsonAsync($"/api/admin/members/{agent.UserId}/role", new { role = "owner" })).GetProperty("role").GetString());
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Put, $"/api/admin/members/{agent.UserId}/role", new { role = "boss" }), "role");
    }
}
