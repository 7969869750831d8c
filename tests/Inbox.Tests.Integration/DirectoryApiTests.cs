using System.Net;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Contacts, canned responses, tenant settings, members and templates.</summary>
[Collection(StackCollection.Name)]
public sealed class DirectoryApiTests(InboxStack stack)
{
    private static List<Guid> Ids(JsonElement page) =>
        (page.ValueKind == JsonValueKind.Array ? page : page.GetProperty("items")).EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();

    [Fact]
    public async Task Contacts_are_listed_searched_read_and_updated_with_attributes()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await stack.CustomerWritesAsync(tenant, "4917088880001", "hi", "Dora Díaz");
        await stack.CustomerWritesAsync(tenant, "4917088880002", "hi", "Emil");
        await stack.CustomerWritesAsync(tenant, "4917088880003", "hi", "Fay");

        var all = await agent.GetJsonAsync("/api/contacts?limit=2");
        Assert.Equal(2, Ids(all).Count);
        var rest = await agent.GetJsonAsync("/api/contacts?limit=2&cursor=" + all.GetProperty("nextCursor").GetString());
        Assert.Single(Ids(rest));
        var dora = (await agent.GetJsonAsync("/api/contacts?q=d%C3%ADaz")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("4917088880001", dora.GetProperty("waId").GetString());
        Assert.Single(Ids(await agent.GetJsonAsync("/api/contacts?q=88880002")));
        var id = dora.GetProperty("id").GetGuid();

        var updated = await Agent.ReadAsync(await agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{id}",
            new { name = "Dora D.", attributes = new { plan = "gold", orders = 3 } }), HttpStatusCode.OK);
        Assert.Equal("Dora D.", updated.GetProperty("name").GetString());
        Assert.Equal("gold", updated.GetProperty("attributes").GetProperty("plan").GetString());
        var onlyAttributes = await Agent.ReadAsync(await agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{id}",
            new Dictionary<string, object> { ["attributes"] = new Dictionary<string, object?> { ["plan"] = "silver", ["orders"] = null } }),
            HttpStatusCode.OK);
        Assert.Equal("Dora D.", onlyAttributes.GetProperty("name").GetString());
        var read = await agent.GetJsonAsync($"/api/contacts/{id}");
        Assert.Equal("silver", read.GetProperty("attributes").GetProperty("plan").GetString());
        Assert.False(read.GetProperty("attributes").TryGetProperty("orders", out _)); // null removed it
    }

    [Fact]
    public async Task Bad_contact_updates_name_the_field_and_another_tenants_contact_is_404()
    {
        var mine = await stack.CreateTenantAsync();
        var theirs = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(mine);
        var owner = await stack.LoginAgentAsync(theirs);
        await stack.CustomerWritesAsync(mine, "4917088880011", "hi", "Gus");
        await stack.CustomerWritesAsync(theirs, "4917088880012", "hi", "Hal");
        var myContact = Ids(await agent.GetJsonAsync("/api/contacts")).Single();
        var theirContact = Ids(await owner.GetJsonAsync("/api/contacts")).Single();

        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{myContact}", new { attributes = new[] { 1 } }), "attributes");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{myContact}", new { name = "" }), "name");
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/contacts?cursor=nope"), "cursor");
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/contacts?q=" + new string('x', 201)), "q");
        await Agent.ProblemAsync(await agent.GetAsync($"/api/contacts/{theirContact}"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{theirContact}", new { name = "Mine now" }), HttpStatusCode.NotFound);
        Assert.Equal(1, await stack.Database.CountAsync(theirs.Id, "select count(*) from contacts where profile_name = 'Hal' and name is null"));
        Assert.DoesNotContain(theirContact, Ids(await agent.GetJsonAsync("/api/contacts")));
    }

    [Fact]
    public async Task Canned_responses_are_tenant_wide_or_personal_and_only_admins_manage_tenant_wide_ones()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);

        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses",
            new { shortCode = "hours", content = "We open at 9.", scope = "tenant" }), HttpStatusCode.Forbidden);
        var shared = await owner.PostJsonAsync("/api/canned-responses", new { shortCode = "hours", content = "We open at 9.", scope = "tenant" },
            HttpStatusCode.Created);
        var mine = await agent.PostJsonAsync("/api/canned-responses", new { shortCode = "sig", content = "— Adam", scope = "personal" },
            HttpStatusCode.Created);
        var sharedId = shared.GetProperty("id").GetGuid();
        var mineId = mine.GetProperty("id").GetGuid();

        Assert.Equal(new[] { sharedId, mineId }.Order(), Ids(await agent.GetJsonAsync("/api/canned-responses")).Order());
        Assert.Equal([sharedId], Ids(await owner.GetJsonAsync("/api/canned-responses")));
        Assert.Equal([mineId], Ids(await agent.GetJsonAsync("/api/canned-responses?q=adam")));
        await Agent.ProblemAsync(await owner.GetAsync($"/api/canned-responses/{mineId}"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Put, $"/api/canned-responses/{sharedId}",
            new { shortCode = "hours", content = "Changed" }), HttpStatusCode.Forbidden);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Delete, $"/api/canned-responses/{sharedId}"), HttpStatusCode.Forbidden);

        var changed = await agent.PutJsonAsync($"/api/canned-responses/{mineId}", new { shortCode = "sig", content = "— Adam, Support" });
        Assert.Equal("— Adam, Support", changed.GetProperty("content").GetString());
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses",
            new { shortCode = "SIG", content = "dup", scope = "personal" }), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.SendAsync(HttpMethod.Delete, $"/api/canned-responses/{mineId}")).StatusCode);
        await Agent.ProblemAsync(await agent.GetAsync($"/api/canned-responses/{mineId}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_canned_responses_name_the_field_and_another_tenants_is_404()
    {
        var mine = await stack.CreateTenantAsync();
        var theirs = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(mine);
        var other = await stack.LoginAgentAsync(theirs, owner: true);
        var id = (await other.PostJsonAsync("/api/canned-responses", new { shortCode = "x", content = "y", scope = "tenant" },
            HttpStatusCode.Created)).GetProperty("id").GetGuid();

        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses", new { content = "y", scope = "personal" }), "shortCode");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses", new { shortCode = "a b", content = "y", scope = "personal" }), "shortCode");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses", new { shortCode = "a", scope = "personal" }), "content");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, "/api/canned-responses", new { shortCode = "a", content = "y" }), "scope");
        await Agent.ProblemAsync(await agent.GetAsync($"/api/canned-responses/{id}"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Put, $"/api/canned-responses/{id}", new { shortCode = "x", content = "z" }), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Delete, $"/api/canned-responses/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(1, await stack.Database.CountAsync(theirs.Id, "select count(*) from canned_responses where content = 'y'"));
    }

    [Fact]
    public async Task Settings_members_and_templates_belong_to_the_callers_tenant()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);

        var defaults = await agent.GetJsonAsync("/api/settings");
        Assert.False(defaults.GetProperty("readReceipts").GetBoolean());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("autoResolveAfterMinutes").ValueKind);
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Put, "/api/settings", new { readReceipts = true }), HttpStatusCode.Forbidden);
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Put, "/api/settings",
            new { readReceipts = true, autoResolveAfterMinutes = 0 }), "autoResolveAfterMinutes");
        await owner.PutJsonAsync("/api/settings", new { readReceipts = true, autoResolveAfterMinutes = 120 });
        Assert.Equal(120, (await agent.GetJsonAsync("/api/settings")).GetProperty("autoResolveAfterMinutes").GetInt32());
        var neighbour = await stack.LoginAgentAsync(await stack.CreateTenantAsync());
        Assert.False((await neighbour.GetJsonAsync("/api/settings")).GetProperty("readReceipts").GetBoolean());

        var members = await agent.GetJsonAsync("/api/members");
        Assert.Equal(new[] { tenant.AgentEmail, tenant.OwnerEmail }.Order(), members.EnumerateArray().Select(m => m.GetProperty("email").GetString()).Order());
        await stack.TemplatesReadAsync(tenant);
        var templates = await agent.GetJsonAsync("/api/templates");
        Assert.Contains(templates.EnumerateArray(), t => t.GetProperty("name").GetString() == "order_update");
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_endpoint_and_the_Swagger_UI_serves_it()
    {
        var document = await stack.Api.Http.GetStringAsync("/openapi/v1.json");
        var paths = JsonDocument.Parse(document).RootElement.GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/me", "/api/conversations", "/api/conversations/{id}",
                     "/api/conversations/{id}/assignee", "/api/conversations/{id}/status", "/api/conversations/{id}/priority",
                     "/api/conversations/{id}/labels", "/api/conversations/{id}/labels/{label}", "/api/conversations/{id}/read",
                     "/api/conversations/{id}/messages", "/api/messages/{id}", "/api/contacts", "/api/contacts/{id}", "/api/contacts/{id}/conversations",
                     "/api/canned-responses", "/api/canned-responses/{id}", "/api/settings", "/api/members", "/api/templates", "/api/labels",
                 })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        Assert.Contains("bearer", document);
        var ui = await stack.Api.Http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("POST", "/api/auth/logout")]
    [InlineData("GET", "/api/conversations")]
    [InlineData("GET", "/api/conversations/0195a000-0000-7000-8000-000000000001")]
    [InlineData("PUT", "/api/conversations/0195a000-0000-7000-8000-000000000001/status")]
    [InlineData("POST", "/api/conversations/0195a000-0000-7000-8000-000000000001/read")]
    [InlineData("POST", "/api/conversations/0195a000-0000-7000-8000-000000000001/messages")]
    [InlineData("GET", "/api/messages/0195a000-0000-7000-8000-000000000001")]
    [InlineData("GET", "/api/labels")]
    [InlineData("GET", "/api/contacts")]
    [InlineData("PATCH", "/api/contacts/0195a000-0000-7000-8000-000000000001")]
    [InlineData("GET", "/api/contacts/0195a000-0000-7000-8000-000000000001/conversations")]
    [InlineData("GET", "/api/canned-responses")]
    [InlineData("POST", "/api/canned-responses")]
    [InlineData("GET", "/api/settings")]
    [InlineData("PUT", "/api/settings")]
    [InlineData("GET", "/api/members")]
    [InlineData("GET", "/api/templates")]
    public async Task Every_agent_endpoint_refuses_a_request_without_a_token_with_a_401_problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is not "GET") request.Content = System.Net.Http.Json.JsonContent.Create(new { });
        await Agent.ProblemAsync(await stack.Api.Http.SendAsync(request), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_routes_and_missing_tokens_answer_with_problem_details()
    {
        var agent = await stack.LoginAgentAsync(await stack.CreateTenantAsync());
        await Agent.ProblemAsync(await agent.GetAsync("/api/conversations/not-a-guid"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await stack.Api.Http.GetAsync("/api/contacts"), HttpStatusCode.Unauthorized);
    }
}
