using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>What the admin tests do again and again: log in as the owner, invite and accept, read the audit trail.</summary>
public static class AdminSteps
{
    public static Task<Agent> OwnerAsync(this InboxStack stack, TestTenant tenant) => stack.LoginAgentAsync(tenant, owner: true);

    public static string NewEmail(string prefix = "invitee") => $"{prefix}-{Guid.NewGuid():N}@example.test";

    /// <summary>Invites an address; expects 201 and returns the created invite (with its token).</summary>
    public static Task<JsonElement> InviteAsync(this Agent inviter, string email, string role = "agent") =>
        inviter.PostJsonAsync("/api/admin/invites", new { email, role }, HttpStatusCode.Created);

    /// <summary>A new member with this role, by invite and accept, logged in.</summary>
    public static async Task<Agent> JoinAsync(this InboxStack stack, Agent owner, string role, string password = "joiner-password")
    {
        var invite = await owner.InviteAsync(NewEmail(role), role == "owner" ? "admin" : role);
        var login = await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync(
            $"/api/invites/{invite.GetProperty("token").GetString()}/accept", new { name = "New " + role, password }), HttpStatusCode.OK);
        var member = new Agent(stack, owner.Tenant, login);
        if (role == "owner")
        {
            await owner.PutJsonAsync($"/api/admin/members/{member.UserId}/role", new { role });
            member = await stack.LoginAsAsync(owner.Tenant, invite.GetProperty("email").GetString()!, password);
        }
        return member;
    }

    public static async Task<Agent> LoginAsAsync(this InboxStack stack, TestTenant tenant, string email, string password) =>
        new(stack, tenant, await Agent.ReadAsync(await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email, password }),
            HttpStatusCode.OK));

    public static Task<HttpResponseMessage> PatchAsync(this Agent agent, string path, object body) =>
        agent.SendAsync(HttpMethod.Patch, path, body);

    public static Task<HttpResponseMessage> DeleteAsync(this Agent agent, string path) => agent.SendAsync(HttpMethod.Delete, path);

    public static async Task<Guid> UserIdAsync(this InboxStack stack, string email) =>
        (Guid)(await stack.Database.ScalarAsync(null, "select user_id from auth_find_user($1)", email))!;

    /// <summary>The tenant's audit trail, newest first (every page).</summary>
    public static async Task<List<JsonElement>> AuditAsync(this Agent admin)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await admin.GetJsonAsync("/api/admin/audit?limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.String ? page.GetProperty("nextCursor").GetString() : null;
        } while (cursor is not null);
        return items;
    }

    /// <summary>
    /// A channel body with unique values; its number is made known to Meta (the simulator) as owned by its token in
    /// its WABA, so the Api's proof passes.
    /// </summary>
    public static object NewChannel(this InboxStack stack, string? phoneNumberId = null, string? accessToken = null, string? appSecret = null,
        string? verifyToken = null, string? wabaId = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var body = new
        {
            name = "Support " + suffix,
            phoneNumberId = phoneNumberId ?? "8" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999),
            wabaId = wabaId ?? "waba-" + suffix,
            accessToken = accessToken ?? "EAAG-token-" + suffix,
            appSecret,
            verifyToken,
        };
        stack.Simulator.Register(body.phoneNumberId, body.accessToken, body.wabaId);
        return body;
    }
}
