using System.Net;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>An agent's mute is theirs alone, kept on the server, and reaches only their own tenant's conversations.</summary>
[Collection(StackCollection.Name)]
public sealed class ConversationMuteTests(InboxStack stack)
{
    private static string Number() => "49171" + Random.Shared.NextInt64(1_000_000, 9_999_999);

    private static bool Muted(System.Text.Json.JsonElement conversation) => conversation.GetProperty("muted").GetBoolean();

    [Fact]
    public async Task A_mute_is_the_callers_own_shown_in_the_list_and_undone_by_unmute()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, Number(), "hello");

        Assert.False(Muted(await agent.GetJsonAsync($"/api/conversations/{conversation}")));
        Assert.True(Muted(await agent.PutJsonAsync($"/api/conversations/{conversation}/mute", new { })));
        Assert.True(Muted(await agent.PutJsonAsync($"/api/conversations/{conversation}/mute", new { }))); // twice: still muted

        Assert.True(Muted(await agent.GetJsonAsync($"/api/conversations/{conversation}")));
        var row = (await agent.GetJsonAsync("/api/conversations")).GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == conversation);
        Assert.True(Muted(row));
        Assert.False(Muted(await owner.GetJsonAsync($"/api/conversations/{conversation}"))); // a colleague is still notified

        Assert.False(Muted(await Agent.ReadAsync(await agent.SendAsync(HttpMethod.Delete, $"/api/conversations/{conversation}/mute"), HttpStatusCode.OK)));
        Assert.False(Muted(await agent.GetJsonAsync($"/api/conversations/{conversation}")));
    }

    [Fact]
    public async Task Another_tenants_conversation_cannot_be_muted_or_unmuted()
    {
        var tenantA = await stack.CreateTenantAsync();
        var tenantB = await stack.CreateTenantAsync();
        var agentA = await stack.LoginAgentAsync(tenantA);
        var intruder = await stack.LoginAgentAsync(tenantB);
        var (conversation, _) = await stack.CustomerWritesAsync(tenantA, Number(), "hello");
        await agentA.PutJsonAsync($"/api/conversations/{conversation}/mute", new { });

        await Agent.ProblemAsync(await intruder.SendAsync(HttpMethod.Put, $"/api/conversations/{conversation}/mute", new { }), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await intruder.SendAsync(HttpMethod.Delete, $"/api/conversations/{conversation}/mute"), HttpStatusCode.NotFound);

        Assert.Equal(0, await stack.Database.CountAsync(tenantB.Id, "select count(*) from conversation_mutes"));
        Assert.True(Muted(await agentA.GetJsonAsync($"/api/conversations/{conversation}"))); // A's mute stands
        await Agent.ProblemAsync(await agentA.SendAsync(HttpMethod.Put, $"/api/conversations/{Guid.NewGuid()}/mute", new { }), HttpStatusCode.NotFound);
    }
}
