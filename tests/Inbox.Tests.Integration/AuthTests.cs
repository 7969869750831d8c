using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class AuthTests(InboxStack stack)
{
    [Fact]
    public async Task An_agent_logs_in_and_gets_a_token_for_their_tenant_and_role()
    {
        var tenant = await stack.CreateTenantAsync();

        var response = await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = tenant.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tenant.Id, body.GetProperty("tenantId").GetGuid());
        Assert.Equal("agent", body.GetProperty("role").GetString());
        Assert.Equal(tenant.Slug, body.GetProperty("tenantSlug").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("accessToken").GetString()));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_401()
    {
        var tenant = await stack.CreateTenantAsync();

        var wrongPassword = await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = tenant.AgentEmail, password = "nope" });
        var unknownEmail = await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = "nobody@example.test", password = tenant.Password });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        var a = await wrongPassword.Content.ReadFromJsonAsync<JsonElement>();
        var b = await unknownEmail.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Missing_fields_get_a_validation_problem_naming_them()
    {
        var response = await stack.Api.Http.PostAsJsonAsync("/api/auth/login", new { email = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var response = await stack.Api.Http.PostAsync("/api/auth/login",
            new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
