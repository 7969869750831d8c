using System.Net;
using System.Net.Http.Headers;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class MediaTests(InboxStack stack)
{
    [Fact]
    public async Task When_the_Graph_API_cannot_be_reached_the_media_is_retried_then_marked_failed_and_the_inbox_hears_it()
    {
        var tenant = await stack.CreateTenantAsync();
        var wamid = Webhooks.NewWamid();
        var values = InboundTypesTests.Values(wamid);
        await stack.Ingest.Http.SendAsync(Webhooks.Signed(Fixtures.Envelope([Fixtures.Change(tenant.PhoneNumberId,
            Fixtures.Contact(values["$FROM"], "Customer"), [Fixtures.Message("image", values)])])));
        var messageId = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from messages where wamid = $1", wamid))!;
        var conversationId = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select conversation_id from messages where id = $1", messageId))!;
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await agent.InvokeAsync("JoinConversation", conversationId);

        var update = (await agent.WaitForAsync(HubEvents.MessageUpdated, 1, TimeSpan.FromSeconds(30))).Single();

        Assert.Equal(messageId, update.GetProperty("messageId").GetGuid());
        Assert.Equal("failed", update.GetProperty("media").GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'failed' and attempts = 3 and last_error is not null", messageId));
        Assert.Equal("failed", await stack.Database.ScalarAsync(tenant.Id, "select media_status from messages where id = $1", messageId));

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/media");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.TokenAsync(tenant));
        Assert.Equal(HttpStatusCode.Gone, (await stack.Api.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Another_tenants_media_is_404()
    {
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var wamid = Webhooks.NewWamid();
        var values = InboundTypesTests.Values(wamid);
        await stack.Ingest.Http.SendAsync(Webhooks.Signed(Fixtures.Envelope([Fixtures.Change(tenant.PhoneNumberId,
            Fixtures.Contact(values["$FROM"], "Customer"), [Fixtures.Message("document", values)])])));
        var messageId = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from messages where wamid = $1", wamid))!;

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/media");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.TokenAsync(other));
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Api.Http.SendAsync(request)).StatusCode);
    }
}
