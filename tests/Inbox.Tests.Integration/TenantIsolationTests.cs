using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Tenancy at its base: listings, tokens and row-level security. Every id-taking route and hub method: <see cref="IsolationMatrixTests"/>.</summary>
[Collection(StackCollection.Name)]
public sealed class TenantIsolationTests(InboxStack stack)
{
    private async Task<(TestTenant Tenant, Guid ConversationId)> TenantWithConversationAsync(string text)
    {
        var tenant = await stack.CreateTenantAsync();
        var body = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId,
            new TextItem("4917000000001", "Customer", Webhooks.NewWamid(), text))]);
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).EnsureSuccessStatusCode();
        var conversations = await GetAsync(tenant, "/api/conversations");
        return (tenant, conversations.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
    }

    private async Task<HttpResponseMessage> SendAsync(TestTenant tenant, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.LoginAsync(tenant.AgentEmail, tenant.Password));
        return await stack.Api.Http.SendAsync(request);
    }

    private async Task<JsonElement> GetAsync(TestTenant tenant, string path)
    {
        var response = await SendAsync(tenant, path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task An_agent_lists_only_their_own_tenants_conversations_and_messages()
    {
        var (a, conversationA) = await TenantWithConversationAsync("for tenant A");
        var (_, conversationB) = await TenantWithConversationAsync("for tenant B");

        var list = await GetAsync(a, "/api/conversations");
        Assert.Equal([conversationA], list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));

        var messages = await GetAsync(a, $"/api/conversations/{conversationA}/messages");
        Assert.Equal("for tenant A", messages.GetProperty("items").EnumerateArray().Single().GetProperty("text").GetString());
        Assert.Equal(conversationA, (await GetAsync(a, $"/api/conversations/{conversationA}")).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_api_refuses_requests_without_a_valid_token()
    {
        var anonymous = await stack.Api.Http.GetAsync("/api/conversations");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.forged");
        var forged = await stack.Api.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_a_valid_token()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => HubClient.ConnectAsync(stack.Realtime.BaseAddress, "not-a-token"));
    }

    [Theory]
    [InlineData("messages")]
    [InlineData("conversations")]
    [InlineData("contacts")]
    [InlineData("channels")]
    [InlineData("memberships")]
    [InlineData("outbox")]
    [InlineData("tenants")]
    [InlineData("users")]
    public async Task A_raw_query_with_no_tenant_set_returns_no_rows(string table)
    {
        var (a, _) = await TenantWithConversationAsync("rows exist");

        Assert.True(await stack.Database.CountAsync(a.Id, $"select count(*) from {table}") > 0);
        Assert.Equal(0, await stack.Database.CountAsync(null, $"select count(*) from {table}"));
    }

    [Fact]
    public async Task A_raw_query_for_one_tenant_never_sees_another_tenants_rows()
    {
        var (a, _) = await TenantWithConversationAsync("A's secret");
        var (b, _) = await TenantWithConversationAsync("B's secret");

        Assert.Equal(0, await stack.Database.CountAsync(a.Id, "select count(*) from messages where tenant_id = $1", b.Id));
        Assert.Equal(0, await stack.Database.CountAsync(a.Id, "select count(*) from messages where text = 'B''s secret'"));
        Assert.Equal(1, await stack.Database.CountAsync(a.Id, "select count(*) from messages where text = 'A''s secret'"));
    }

    [Fact]
    public async Task Row_level_security_refuses_writing_a_row_for_another_tenant()
    {
        var a = await stack.CreateTenantAsync();
        var b = await stack.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => stack.Database.CountAsync(a.Id,
            "with c as (insert into contacts (id, tenant_id, wa_id) values (gen_random_uuid(), $1, '1') returning 1) select count(*) from c", b.Id));
        Assert.Equal("42501", error.SqlState); // new row violates row-level security policy
    }
}
