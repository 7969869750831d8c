using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Inbox.Realtime;
using Inbox.Tests.Integration.Admin;
using Inbox.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration;

/// <summary>
/// The isolation matrix: every Api route with a parameter and every hub method that takes a conversation id, called by
/// another tenant's owner with the victim's ids, is 404 (the hub refuses or answers nothing), and nothing of the victim
/// changes. The tables must name every such route the Api maps and every such hub method: a new one fails
/// <see cref="Every_id_taking_route_and_hub_method_is_in_the_matrix"/> until it is added here.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class IsolationMatrixTests(InboxStack stack)
{
    /// <summary>What the victim tenant has: one of everything an id can name.</summary>
    private sealed record Victim(Agent Owner, Agent Agent, Guid ConversationId, Guid MessageId, Guid ContactId,
        Guid CannedResponseId, Guid InviteId, Guid ChannelId, Guid UploadId);

    private sealed record Call(string Method, string Route, Func<Victim, string> Path, Func<Victim, Agent, object>? Body = null);

    /// <summary>
    /// Every id-taking Api route, called with the victim's ids and a body that would be valid for the caller in its own
    /// tenant, so only the id can make it fail.
    /// </summary>
    private static readonly Call[] Calls =
    [
        new("GET", "/api/conversations/{id:guid}", v => $"/api/conversations/{v.ConversationId}"),
        new("PUT", "/api/conversations/{id:guid}/assignee", v => $"/api/conversations/{v.ConversationId}/assignee", (_, caller) => new { userId = caller.UserId }),
        new("DELETE", "/api/conversations/{id:guid}/assignee", v => $"/api/conversations/{v.ConversationId}/assignee"),
        new("PUT", "/api/conversations/{id:guid}/status", v => $"/api/conversations/{v.ConversationId}/status", (_, _) => new { status = "resolved" }),
        new("PUT", "/api/conversations/{id:guid}/priority", v => $"/api/conversations/{v.ConversationId}/priority", (_, _) => new { priority = "urgent" }),
        new("POST", "/api/conversations/{id:guid}/labels", v => $"/api/conversations/{v.ConversationId}/labels", (_, _) => new { label = "hijacked" }),
        new("DELETE", "/api/conversations/{id:guid}/labels/{label}", v => $"/api/conversations/{v.ConversationId}/labels/vip"),
        new("POST", "/api/conversations/{id:guid}/read", v => $"/api/conversations/{v.ConversationId}/read", (_, _) => new { }),
        new("PUT", "/api/conversations/{id:guid}/mute", v => $"/api/conversations/{v.ConversationId}/mute"),
        new("DELETE", "/api/conversations/{id:guid}/mute", v => $"/api/conversations/{v.ConversationId}/mute"),
        new("GET", "/api/conversations/{id:guid}/messages", v => $"/api/conversations/{v.ConversationId}/messages"),
        new("POST", "/api/conversations/{id:guid}/messages", v => $"/api/conversations/{v.ConversationId}/messages", (_, _) => new { type = "text", text = "hijacked" }),
        new("GET", "/api/messages/{id:guid}", v => $"/api/messages/{v.MessageId}"),
        new("GET", "/api/messages/{id:guid}/media", v => $"/api/messages/{v.MessageId}/media"),
        new("DELETE", "/api/uploads/{id:guid}", v => $"/api/uploads/{v.UploadId}"),
        new("GET", "/api/contacts/{id:guid}", v => $"/api/contacts/{v.ContactId}"),
        new("PATCH", "/api/contacts/{id:guid}", v => $"/api/contacts/{v.ContactId}", (_, _) => new { name = "Hijacked", attributes = new { plan = "free" } }),
        new("GET", "/api/contacts/{id:guid}/conversations", v => $"/api/contacts/{v.ContactId}/conversations"),
        new("GET", "/api/canned-responses/{id:guid}", v => $"/api/canned-responses/{v.CannedResponseId}"),
        new("PUT", "/api/canned-responses/{id:guid}", v => $"/api/canned-responses/{v.CannedResponseId}",
            (_, _) => new { shortCode = "hijacked", content = "Hijacked", scope = "tenant" }),
        new("DELETE", "/api/canned-responses/{id:guid}", v => $"/api/canned-responses/{v.CannedResponseId}"),
        new("PUT", "/api/admin/members/{userId:guid}/role", v => $"/api/admin/members/{v.Agent.UserId}/role", (_, _) => new { role = "admin" }),
        new("POST", "/api/admin/members/{userId:guid}/deactivate", v => $"/api/admin/members/{v.Agent.UserId}/deactivate"),
        new("POST", "/api/admin/members/{userId:guid}/reactivate", v => $"/api/admin/members/{v.Agent.UserId}/reactivate"),
        new("DELETE", "/api/admin/invites/{id:guid}", v => $"/api/admin/invites/{v.InviteId}"),
        new("GET", "/api/admin/channels/{id:guid}", v => $"/api/admin/channels/{v.ChannelId}"),
        new("PATCH", "/api/admin/channels/{id:guid}", v => $"/api/admin/channels/{v.ChannelId}", (_, _) => new { name = "Hijacked" }),
        new("POST", "/api/admin/channels/{id:guid}/disable", v => $"/api/admin/channels/{v.ChannelId}/disable"),
        new("POST", "/api/admin/channels/{id:guid}/enable", v => $"/api/admin/channels/{v.ChannelId}/enable"),
        new("POST", "/api/admin/channels/{id:guid}/templates/sync", v => $"/api/admin/channels/{v.ChannelId}/templates/sync"),
    ];

    /// <summary>Routes whose parameter is not a tenant's id, and where their isolation is tested instead.</summary>
    private static readonly Dictionary<string, string> NotTenantIds = new()
    {
        ["GET /api/invites/{token}"] = "an invite's secret link, anonymous by design (InviteTests)",
        ["POST /api/invites/{token}/accept"] = "an invite's secret link, anonymous by design (InviteTests)",
        ["GET /openapi/{documentName}.json"] = "the API's description, the same for everyone",
    };

    /// <summary>Every hub method that takes a conversation id, and what another tenant's member gets from it.</summary>
    private static readonly Dictionary<string, Func<HubClient, Victim, Task>> HubCalls = new()
    {
        ["JoinConversation"] = (client, v) => RefusedAsync(client.InvokeAsync("JoinConversation", v.ConversationId), "not found"),
        ["StartTyping"] = (client, v) => RefusedAsync(client.InvokeAsync("StartTyping", v.ConversationId, false), "join"),
        ["StopTyping"] = (client, v) => client.InvokeAsync("StopTyping", v.ConversationId), // a no-op: nothing joined
        ["LeaveConversation"] = (client, v) => client.InvokeAsync("LeaveConversation", v.ConversationId),
        ["GetViewers"] = async (client, v) =>
            Assert.Empty((await client.InvokeAsync("GetViewers", v.ConversationId)).EnumerateArray()), // the victim's agent views it
    };

    [Fact]
    public void Every_id_taking_route_and_hub_method_is_in_the_matrix()
    {
        var routes = stack.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Count > 0 && !e.RoutePattern.Parameters.Any(p => p.IsCatchAll))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet();
        var tabled = Calls.Select(c => $"{c.Method} {c.Route}").Concat(NotTenantIds.Keys).ToHashSet();
        Assert.True(routes.SetEquals(tabled),
            $"Not in the matrix: {string.Join(", ", routes.Except(tabled))}; no longer mapped: {string.Join(", ", tabled.Except(routes))}");

        var hubMethods = typeof(InboxHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(Guid))).Select(m => m.Name).ToHashSet();
        Assert.True(hubMethods.SetEquals(HubCalls.Keys),
            $"Hub methods not in the matrix: {string.Join(", ", hubMethods.Except(HubCalls.Keys))}; gone: {string.Join(", ", HubCalls.Keys.Except(hubMethods))}");
    }

    [Fact]
    public async Task Another_tenants_owner_gets_404_from_every_id_taking_route_and_changes_nothing()
    {
        var victim = await VictimAsync();
        var before = await StateAsync(victim);
        var intruder = await stack.OwnerAsync(await stack.CreateTenantAsync());

        foreach (var call in Calls)
        {
            var response = await intruder.SendAsync(new HttpMethod(call.Method), call.Path(victim), call.Body?.Invoke(victim, intruder), Guid.NewGuid().ToString());
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{call.Method} {call.Route}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(victim.ConversationId.ToString(), text);
        }

        Assert.Equal(before, await StateAsync(victim));
    }

    [Fact]
    public async Task Another_tenants_ids_in_a_body_are_refused_and_their_events_never_show()
    {
        var victim = await VictimAsync();
        var before = await StateAsync(victim);
        var intruderTenant = await stack.CreateTenantAsync();
        var intruder = await stack.OwnerAsync(intruderTenant);
        var (own, _) = await stack.CustomerWritesAsync(intruderTenant, "4917000000077", "intruder's own customer");

        // Assigning one's own conversation to the victim's agent, quoting or reacting to the victim's message.
        var assign = await intruder.SendAsync(HttpMethod.Put, $"/api/conversations/{own}/assignee", new { userId = victim.Agent.UserId });
        Assert.True(assign.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"assign: {(int)assign.StatusCode}");
        var reply = await intruder.SendAsync(HttpMethod.Post, $"/api/conversations/{own}/messages",
            new { type = "text", text = "quoting", replyToMessageId = victim.MessageId }, Guid.NewGuid().ToString());
        Assert.True(reply.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"reply: {(int)reply.StatusCode}");
        var react = await intruder.SendAsync(HttpMethod.Post, $"/api/conversations/{own}/messages",
            new { type = "reaction", reaction = new { messageId = victim.MessageId, emoji = "👍" } }, Guid.NewGuid().ToString());
        Assert.True(react.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"reaction: {(int)react.StatusCode}");
        var file = await intruder.SendAsync(HttpMethod.Post, $"/api/conversations/{own}/messages",
            new { type = "image", uploadId = victim.UploadId }, Guid.NewGuid().ToString());
        Assert.True(file.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"upload: {(int)file.StatusCode}");
        Assert.Equal(JsonValueKind.Null, (await intruder.GetJsonAsync($"/api/conversations/{own}")).GetProperty("assigneeId").ValueKind);

        // The intruder's stream, from its start, carries its own conversation and nothing of the victim's.
        var events = (await intruder.GetJsonAsync("/api/events?after=0")).ToString();
        Assert.Contains(own.ToString(), events);
        Assert.DoesNotContain(victim.ConversationId.ToString(), events);
        Assert.DoesNotContain(victim.MessageId.ToString(), events);
        Assert.Equal(before, await StateAsync(victim));
    }

    [Fact]
    public async Task Another_tenants_member_gets_nothing_from_hub_methods_given_the_victims_conversation()
    {
        var victim = await VictimAsync();
        await using var watching = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, victim.Agent.AccessToken);
        await watching.InvokeAsync("JoinConversation", victim.ConversationId);
        await ViewersAsync(watching, victim, 1); // the victim's agent views it: GetViewers has someone to leak
        var intruderAgent = await stack.LoginAgentAsync(await stack.CreateTenantAsync());
        await using var intruder = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, intruderAgent.AccessToken);

        foreach (var (method, call) in HubCalls)
        {
            try { await call(intruder, victim); }
            catch (Exception ex) { throw new InvalidOperationException($"hub {method}: {ex.Message}", ex); }
        }

        // The victim's agent, still in the room, still viewing, heard nothing of the intruder: its own typing, sent
        // after the intruder's calls, is the first typing:start it gets.
        await using var colleague = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, victim.Owner.AccessToken);
        await colleague.InvokeAsync("JoinConversation", victim.ConversationId);
        await colleague.InvokeAsync("StartTyping", victim.ConversationId, false);
        var typing = (await watching.WaitForAsync("typing:start", 1, TimeSpan.FromSeconds(10)))[0];
        Assert.Equal(victim.Owner.UserId, typing.GetProperty("userId").GetGuid());
        Assert.DoesNotContain(watching.All(), e => e.Payload.ToString().Contains(intruderAgent.UserId.ToString(), StringComparison.Ordinal));
        await ViewersAsync(watching, victim, 2);
    }

    /// <summary>Waits until the conversation has this many viewers, as the victim's own connection sees them.</summary>
    private static async Task ViewersAsync(HubClient client, Victim victim, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await client.InvokeAsync("GetViewers", victim.ConversationId)).GetArrayLength() != count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The conversation never had {count} viewers.");
            await Task.Delay(100);
        }
    }

    private static async Task RefusedAsync(Task<JsonElement> call, string reason)
    {
        var refused = await Assert.ThrowsAsync<HubCallException>(() => call);
        Assert.Contains(reason, refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<Victim> VictimAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversationId, _) = await stack.CustomerWritesAsync(tenant, "4917000000042", "the victim's secret");
        await owner.PostJsonAsync($"/api/conversations/{conversationId}/labels", new { label = "vip" });
        var messageId = (await owner.GetJsonAsync($"/api/conversations/{conversationId}/messages"))
            .GetProperty("items")[0].GetProperty("id").GetGuid();
        var contactId = (await owner.GetJsonAsync($"/api/conversations/{conversationId}")).GetProperty("contactId").GetGuid();
        await Agent.ReadAsync(await owner.SendAsync(HttpMethod.Patch, $"/api/contacts/{contactId}",
            new { name = "The victim's customer", attributes = new { plan = "gold" } }), HttpStatusCode.OK);
        var canned = (await owner.PostJsonAsync("/api/canned-responses",
            new { shortCode = "hours", content = "We open at 9.", scope = "tenant" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var invite = (await owner.InviteAsync(AdminSteps.NewEmail())).GetProperty("id").GetGuid();
        var channel = (await owner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var upload = (await owner.UploadedAsync(Encoding.ASCII.GetBytes("The victim's price list"), "prices.txt", "text/plain"))
            .GetProperty("id").GetGuid();
        return new Victim(owner, agent, conversationId, messageId, contactId, canned, invite, channel, upload);
    }

    /// <summary>Everything of the victim the calls could change, as the victim's owner reads it.</summary>
    private async Task<string> StateAsync(Victim v)
    {
        var conversation = await v.Owner.GetJsonAsync($"/api/conversations/{v.ConversationId}");
        var parts = new[]
        {
            (await stack.Database.CountAsync(v.Owner.Tenant.Id, "select count(*) from media_files where id = $1 and message_id is null", v.UploadId)).ToString(),
            Pick(conversation, "assigneeId", "status", "priority", "labels", "lastMessagePreview", "muted"),
            (await v.Owner.GetJsonAsync($"/api/conversations/{v.ConversationId}/messages")).GetProperty("items").GetArrayLength().ToString(),
            Pick(await v.Agent.GetJsonAsync($"/api/conversations/{v.ConversationId}"), "unreadCount", "muted"),
            Pick(await v.Owner.GetJsonAsync($"/api/contacts/{v.ContactId}"), "name", "namedByAgent", "profileName", "attributes"),
            Pick(await v.Owner.GetJsonAsync($"/api/canned-responses/{v.CannedResponseId}"), "shortCode", "content", "scope"),
            Pick(await v.Owner.GetJsonAsync($"/api/admin/channels/{v.ChannelId}"), "name", "active"),
            (await v.Owner.GetJsonAsync("/api/admin/invites")).GetProperty("items").GetArrayLength().ToString(),
            (await v.Owner.GetJsonAsync("/api/admin/members")).GetProperty("items").EnumerateArray()
                .Where(m => m.GetProperty("userId").GetGuid() == v.Agent.UserId).Select(m => Pick(m, "role", "active")).Single(),
        };
        return string.Join(" | ", parts);
    }

    private static string Pick(JsonElement element, params string[] names) =>
        string.Join(",", names.Select(n => element.TryGetProperty(n, out var value) ? $"{n}={value}" : $"{n}=?"));
}
