using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>An invite from creation to login, and every way it stops working.</summary>
[Collection(StackCollection.Name)]
public sealed class InviteTests(InboxStack stack)
{
    private Task<HttpResponseMessage> AcceptAsync(string token, object body) =>
        stack.Api.Http.PostAsJsonAsync($"/api/invites/{token}/accept", body);

    [Fact]
    public async Task Create_open_accept_and_log_in_then_the_link_is_used_up()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var email = AdminSteps.NewEmail();

        var invite = await owner.InviteAsync(email, "admin");
        var token = invite.GetProperty("token").GetString()!;
        Assert.Equal($"/invite/{token}", invite.GetProperty("acceptUrl").GetString());
        Assert.Equal(("admin", email), (invite.GetProperty("role").GetString(), invite.GetProperty("email").GetString()));
        var lifetime = invite.GetProperty("expiresAt").GetDateTimeOffset() - invite.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromDays(7), lifetime);
        // Only the token's SHA-256 is stored.
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from invites where token_hash = $1",
            SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from invites i where position(convert_to($1, 'UTF8') in convert_to(i::text, 'UTF8')) > 0 or position(convert_to($1, 'UTF8') in i.token_hash) > 0", token));

        var pending = (await owner.GetJsonAsync("/api/admin/invites")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((email, tenant.OwnerEmail.Replace("owner-", "Owner ", StringComparison.Ordinal).Split('@')[0]),
            (pending.GetProperty("email").GetString(), pending.GetProperty("invitedBy").GetString()));
        Assert.False(pending.TryGetProperty("token", out _));

        var shown = await Agent.ReadAsync(await stack.Api.Http.GetAsync($"/api/invites/{token}"), HttpStatusCode.OK);
        Assert.Equal((email, "admin"), (shown.GetProperty("email").GetString(), shown.GetProperty("role").GetString()));
        Assert.StartsWith("Tenant ", shown.GetProperty("tenantName").GetString());

        var login = await Agent.ReadAsync(await AcceptAsync(token, new { name = "Ann Admin", password = "ann-password" }), HttpStatusCode.OK);
        Assert.Equal(("admin", tenant.Id), (login.GetProperty("role").GetString(), login.GetProperty("tenantId").GetGuid()));
        var ann = new Agent(stack, tenant, login);
        Assert.Equal("Ann Admin", (await ann.GetJsonAsync("/api/me")).GetProperty("name").GetString());
        await stack.LoginAsAsync(tenant, email, "ann-password");
        Assert.Empty((await owner.GetJsonAsync("/api/admin/invites")).GetProperty("items").EnumerateArray());

        await Agent.ProblemAsync(await AcceptAsync(token, new { name = "Again", password = "again-password" }), HttpStatusCode.Gone,
            "urn:inbox:problem:invite-gone");
        await Agent.ProblemAsync(await stack.Api.Http.GetAsync($"/api/invites/{token}"), HttpStatusCode.Gone, "urn:inbox:problem:invite-gone");
        await Agent.ProblemAsync(await stack.Api.Http.GetAsync("/api/invites/not-a-token"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await AcceptAsync("not-a-token", new { name = "X", password = "x-password" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Expired_and_revoked_invites_are_gone()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var expired = await owner.InviteAsync(AdminSteps.NewEmail());
        await stack.Database.ExecuteAsync(tenant.Id, "update invites set expires_at = now() - interval '1 minute' where id = $1",
            expired.GetProperty("id").GetGuid());
        var revoked = await owner.InviteAsync(AdminSteps.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/admin/invites/{revoked.GetProperty("id").GetGuid()}")).StatusCode);

        foreach (var invite in new[] { expired, revoked })
        {
            var token = invite.GetProperty("token").GetString()!;
            await Agent.ProblemAsync(await stack.Api.Http.GetAsync($"/api/invites/{token}"), HttpStatusCode.Gone, "urn:inbox:problem:invite-gone");
            await Agent.ProblemAsync(await AcceptAsync(token, new { name = "Late", password = "late-password" }), HttpStatusCode.Gone,
                "urn:inbox:problem:invite-gone");
        }
        Assert.Empty((await owner.GetJsonAsync("/api/admin/invites")).GetProperty("items").EnumerateArray());
        // The expired address can be invited again.
        await owner.InviteAsync(expired.GetProperty("email").GetString()!);
    }

    [Fact]
    public async Task A_person_with_an_account_accepts_with_their_own_password_and_works_in_both_tenants()
    {
        var home = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var otherOwner = await stack.OwnerAsync(other);
        var invite = await otherOwner.InviteAsync(home.AgentEmail);
        var token = invite.GetProperty("token").GetString()!;

        await Agent.ProblemAsync(await AcceptAsync(token, new { name = "Whoever", password = "not-their-password" }), HttpStatusCode.Unauthorized);
        var login = await Agent.ReadAsync(await AcceptAsync(token, new { password = home.Password }), HttpStatusCode.OK);
        Assert.Equal(other.Id, login.GetProperty("tenantId").GetGuid());
        var slugs = new[] { home.Slug, other.Slug };
        foreach (var slug in slugs)
            await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = home.AgentEmail, password = home.Password, tenant = slug }),
                HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_input_is_named_and_duplicates_conflict()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/invites", new { email = "no-at-sign", role = "agent" }), "email");
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/invites", new { email = AdminSteps.NewEmail(), role = "owner" }), "role");
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/invites", new { email = tenant.AgentEmail.ToUpperInvariant(), role = "agent" }),
            HttpStatusCode.Conflict, "urn:inbox:problem:conflict");
        var email = AdminSteps.NewEmail();
        var invite = await owner.InviteAsync(email);
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/invites", new { email, role = "admin" }),
            HttpStatusCode.Conflict, "urn:inbox:problem:conflict");

        var token = invite.GetProperty("token").GetString()!;
        await Agent.AssertInvalidAsync(await AcceptAsync(token, new { name = "Short", password = "short" }), "password");
        await Agent.AssertInvalidAsync(await AcceptAsync(token, new { name = "", password = "long-enough" }), "name");
        // Still usable after bad attempts.
        await Agent.ReadAsync(await AcceptAsync(token, new { name = "Fine", password = "long-enough" }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Two_people_accepting_the_same_invite_at_once_make_one_member()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var token = (await owner.InviteAsync(AdminSteps.NewEmail())).GetProperty("token").GetString()!;
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => AcceptAsync(token, new { name = "Racer", password = "racer-password" })));
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.True(
            r.StatusCode is HttpStatusCode.Gone or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Equal(3, await stack.Database.CountAsync(tenant.Id, "select count(*) from memberships"));
    }
}
