using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>The Api reads at most 1 MiB of JSON per request: a bigger body is 413 problem details and nothing is stored.</summary>
[Collection(StackCollection.Name)]
public sealed class RequestBodyLimitTests(InboxStack stack)
{
    /// <summary>A template send whose first body parameter is this long (a real template carries a few bytes).</summary>
    private static object Template(int parameterLength) => new
    {
        type = "template",
        template = new
        {
            name = "order_update",
            language = "en_US",
            components = new[]
            {
                new { type = "body", parameters = new[] { new { type = "text", text = new string('x', parameterLength) }, new { type = "text", text = "A-1" } } },
            },
        },
    };

    [Fact]
    public async Task An_oversized_template_send_is_413_and_nothing_is_stored_with_or_without_a_content_length()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917100000077", "hello");
        var path = $"/api/conversations/{conversation}/messages";
        var before = await MessagesAsync(tenant, conversation);

        // With Content-Length (refused before it is read) and chunked (refused once 1 MiB has been read).
        var json = JsonSerializer.Serialize(Template(2 * 1024 * 1024), JsonSerializerOptions.Web);
        foreach (HttpContent content in new HttpContent[]
                 {
                     new StringContent(json, Encoding.UTF8, "application/json"),
                     JsonContent.Create(Template(2 * 1024 * 1024)),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.AccessToken);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            var problem = await Agent.ProblemAsync(await stack.Api.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal(413, problem.GetProperty("status").GetInt32());
        }
        Assert.Equal(before, await MessagesAsync(tenant, conversation));

        // The same send with a modest parameter is stored: the limit is about size, not the template.
        await stack.TemplatesReadAsync(tenant);
        await agent.SendMessageAsync(conversation, Template(100));
        Assert.Equal(before + 1, await MessagesAsync(tenant, conversation));
    }

    private Task<long> MessagesAsync(TestTenant tenant, Guid conversation) =>
        stack.Database.CountAsync(tenant.Id, "select count(*) from messages where conversation_id = $1", conversation);
}
