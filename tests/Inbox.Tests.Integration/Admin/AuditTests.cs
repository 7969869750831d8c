using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>Every admin action leaves an audit row: who, what, when, before and after.</summary>
[Collection(StackCollection.Name)]
public sealed class AuditTests(InboxStack stack)
{
    [Fact]
    public async Task Each_admin_action_writes_one_audit_row_with_actor_target_and_before_after()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        await owner.PutJsonAsync("/api/admin/seats", new { limit = 15, countPendingInvites = true });
        var revoked = await owner.InviteAsync(AdminSteps.NewEmail());
        await owner.DeleteAsync($"/api/admin/invites/{revoked.GetProperty("id").GetGuid()}");
        var accepted = await owner.InviteAsync(AdminSteps.NewEmail());
        var joined = await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync(
            $"/api/invites/{accepted.GetProperty("token").GetString()}/accept", new { name = "Joiner", password = "joiner-password" }), HttpStatusCode.OK);
        await owner.PutJsonAsync($"/api/admin/members/{agent.UserId}/role", new { role = "admin" });
        await owner.PostJsonAsync($"/api/admin/members/{agent.UserId}/deactivate", null);
        await owner.PostJsonAsync($"/api/admin/members/{agent.UserId}/reactivate", null);
        var created = await owner.PostJsonAsync("/api/admin/channels", stack.NewChannel(), HttpStatusCode.Created);
        var channel = created.GetProperty("id").GetGuid();
        stack.Simulator.Register(created.GetProperty("phoneNumberId").GetString()!, "a-new-secret-token", created.GetProperty("wabaId").GetString());
        await Agent.ReadAsync(await owner.PatchAsync($"/api/admin/channels/{channel}", new { accessToken = "a-new-secret-token", name = "Renamed" }), HttpStatusCode.OK);
        await owner.PostJsonAsync($"/api/admin/channels/{channel}/disable", null);
        await owner.PostJsonAsync($"/api/admin/channels/{channel}/enable", null);
        await owner.PutJsonAsync("/api/settings", new { readReceipts = true, autoResolveAfterMinutes = 60 });
        // No change, no row.
        await owner.PostJsonAsync($"/api/admin/channels/{channel}/enable", null);
        await owner.PutJsonAsync($"/api/admin/members/{agent.UserId}/role", new { role = "admin" });

        var rows = await owner.AuditAsync(); // newest first, three to a page
        Assert.Equal(
        [
            "settings.changed", "channel.enabled", "channel.disabled", "channel.updated", "channel.created", "member.reactivated",
            "member.deactivated", "member.role_changed", "invite.accepted", "invite.created", "invite.revoked", "invite.created", "seats.changed",
        ], rows.Select(r => r.GetProperty("action").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("at").GetDateTimeOffset() > started));
        Assert.All(rows.Where(r => r.GetProperty("action").GetString() != "invite.accepted"), r =>
        {
            Assert.Equal(owner.UserId, r.GetProperty("actorUserId").GetGuid());
            Assert.StartsWith("Owner ", r.GetProperty("actorName").GetString());
        });

        JsonElement Row(string action) => rows.First(r => r.GetProperty("action").GetString() == action);
        var roleChanged = Row("member.role_changed");
        Assert.Equal(("member", agent.UserId.ToString(), "agent", "admin"), (roleChanged.GetProperty("targetType").GetString(),
            roleChanged.GetProperty("targetId").GetString(), roleChanged.GetProperty("before").GetProperty("role").GetString(),
            roleChanged.GetProperty("after").GetProperty("role").GetString()));
        var acceptedRow = Row("invite.accepted");
        Assert.Equal(joined.GetProperty("userId").GetGuid(), acceptedRow.GetProperty("actorUserId").GetGuid());
        Assert.Equal("Joiner", acceptedRow.GetProperty("actorName").GetString());
        var seats = Row("seats.changed");
        Assert.Equal((10, 15), (seats.GetProperty("before").GetProperty("limit").GetInt32(), seats.GetProperty("after").GetProperty("limit").GetInt32()));
        var updated = Row("channel.updated");
        Assert.Equal(("replaced", "set", "Renamed"), (updated.GetProperty("after").GetProperty("accessToken").GetString(),
            updated.GetProperty("before").GetProperty("accessToken").GetString(), updated.GetProperty("after").GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, Row("channel.created").GetProperty("before").ValueKind);
        Assert.Equal(60, Row("settings.changed").GetProperty("after").GetProperty("autoResolveAfterMinutes").GetInt32());
        Assert.DoesNotContain("a-new-secret-token", JsonSerializer.Serialize(rows));
        Assert.DoesNotContain(accepted.GetProperty("token").GetString()!, JsonSerializer.Serialize(rows));

        // Append-only for the application role; admins read it, agents do not.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => stack.Database.ExecuteAsync(tenant.Id, "delete from audit_log"));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => stack.Database.ExecuteAsync(tenant.Id, "update audit_log set action = 'x'"));
        var other = await stack.OwnerAsync(await stack.CreateTenantAsync());
        Assert.Empty((await other.GetJsonAsync("/api/admin/audit")).GetProperty("items").EnumerateArray());
        await Agent.AssertInvalidAsync(await owner.GetAsync("/api/admin/audit?limit=0"), "limit");
        await Agent.AssertInvalidAsync(await owner.GetAsync("/api/admin/audit?cursor=nonsense"), "cursor");
    }
}
