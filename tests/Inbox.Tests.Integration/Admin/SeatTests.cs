using System.Net;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>Seats: what counts, the atomic check under concurrency, and who changes the limit.</summary>
[Collection(StackCollection.Name)]
public sealed class SeatTests(InboxStack stack)
{
    [Fact]
    public async Task Fifty_concurrent_invites_against_ten_free_seats_create_exactly_ten()
    {
        var tenant = await stack.CreateTenantAsync(); // an owner and an agent: 2 seats used
        var owner = await stack.OwnerAsync(tenant);
        await owner.PutJsonAsync("/api/admin/seats", new { limit = 12, countPendingInvites = true });

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            owner.SendAsync(HttpMethod.Post, "/api/admin/invites", new { email = AdminSteps.NewEmail($"race{i}"), role = "agent" })));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var problem = await Agent.ProblemAsync(refused, HttpStatusCode.Conflict, "urn:inbox:problem:no-seats");
            Assert.Equal(12, problem.GetProperty("seatsUsed").GetInt32());
            Assert.Equal(12, problem.GetProperty("seatLimit").GetInt32());
        }
        Assert.Equal(10, await stack.Database.CountAsync(tenant.Id, "select count(*) from invites"));
        var seats = await owner.GetJsonAsync("/api/admin/seats");
        Assert.Equal((12, 12, 0, 2, 10, true), (seats.GetProperty("used").GetInt32(), seats.GetProperty("limit").GetInt32(),
            seats.GetProperty("free").GetInt32(), seats.GetProperty("activeMembers").GetInt32(), seats.GetProperty("pendingInvites").GetInt32(),
            seats.GetProperty("countPendingInvites").GetBoolean()));
    }

    [Fact]
    public async Task Pending_invites_count_only_when_the_tenant_says_so_and_accepting_always_needs_a_seat()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await owner.PutJsonAsync("/api/admin/seats", new { limit = 3, countPendingInvites = false });
        var first = await owner.InviteAsync(AdminSteps.NewEmail());
        var second = await owner.InviteAsync(AdminSteps.NewEmail()); // invites hold no seat: both fit
        var seats = await owner.GetJsonAsync("/api/admin/seats");
        Assert.Equal((2, 1, 2), (seats.GetProperty("used").GetInt32(), seats.GetProperty("free").GetInt32(), seats.GetProperty("pendingInvites").GetInt32()));

        await Agent.ReadAsync(await stack.Api.Http.PostAsync($"/api/invites/{first.GetProperty("token").GetString()}/accept",
            System.Net.Http.Json.JsonContent.Create(new { name = "First", password = "first-password" })), HttpStatusCode.OK);
        var full = await stack.Api.Http.PostAsync($"/api/invites/{second.GetProperty("token").GetString()}/accept",
            System.Net.Http.Json.JsonContent.Create(new { name = "Second", password = "second-password" }));
        var problem = await Agent.ProblemAsync(full, HttpStatusCode.Conflict, "urn:inbox:problem:no-seats");
        Assert.Equal((3, 3), (problem.GetProperty("seatsUsed").GetInt32(), problem.GetProperty("seatLimit").GetInt32()));

        // Counting pending invites now would need 4 seats of 3: refused, as is a limit below the members.
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Put, "/api/admin/seats", new { limit = 3, countPendingInvites = true }),
            HttpStatusCode.Conflict);
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Put, "/api/admin/seats", new { limit = 2 }), HttpStatusCode.Conflict);
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Put, "/api/admin/seats", new { limit = 0 }), "limit");
        var raised = await owner.PutJsonAsync("/api/admin/seats", new { limit = 5, countPendingInvites = true });
        Assert.Equal((4, 1), (raised.GetProperty("used").GetInt32(), raised.GetProperty("free").GetInt32()));
    }

    [Fact]
    public async Task Members_list_reports_the_seats_and_every_member()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await owner.InviteAsync(AdminSteps.NewEmail());
        var list = await owner.GetJsonAsync("/api/admin/members");
        var members = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        var me = members.Single(m => m.GetProperty("userId").GetGuid() == owner.UserId);
        Assert.Equal(("owner", true, JsonValueKind.Null), (me.GetProperty("role").GetString(), me.GetProperty("active").GetBoolean(),
            me.GetProperty("deactivatedAt").ValueKind));
        Assert.Equal(tenant.OwnerEmail, me.GetProperty("email").GetString());
        Assert.Equal(3, list.GetProperty("seats").GetProperty("used").GetInt32());
        Assert.Equal(10, list.GetProperty("seats").GetProperty("limit").GetInt32());
    }
}
