using System.Net;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Admin;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// What the contact panel beside the thread stands on: an agent's name for a customer that their WhatsApp profile
/// name never replaces, the tenant's attributes merged key by key, and the contact's conversations.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ContactPanelTests(InboxStack stack)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    private static Task<HttpResponseMessage> PatchAsync(Agent agent, Guid contact, object body) =>
        agent.SendAsync(HttpMethod.Patch, $"/api/contacts/{contact}", body);

    private static async Task<Guid> ContactOfAsync(Agent agent, Guid conversation) =>
        (await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("contactId").GetGuid();

    private static (string? Name, string? ProfileName, bool NamedByAgent) Names(JsonElement contact) =>
        (contact.GetProperty("name").GetString(), contact.GetProperty("profileName").GetString(), contact.GetProperty("namedByAgent").GetBoolean());

    [Fact]
    public async Task An_agents_name_sticks_when_the_customer_writes_again_under_another_profile_name()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        const string From = "4917066660001";
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, From, "hello", "Dodo 🌴");
        var contact = await ContactOfAsync(agent, conversation);
        Assert.Equal(("Dodo 🌴", "Dodo 🌴", false), Names(await agent.GetJsonAsync($"/api/contacts/{contact}")));

        // A colleague's inbox hears of the new name: each of the contact's conversations is a conversation:updated.
        var owner = await stack.OwnerAsync(tenant);
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, owner.AccessToken);
        var renamed = await Agent.ReadAsync(await PatchAsync(agent, contact, new { name = "  Dorothea Díaz (VIP) " }), HttpStatusCode.OK);
        Assert.Equal(("Dorothea Díaz (VIP)", "Dodo 🌴", true), Names(renamed));
        await hub.WaitForAsync(HubEvents.ConversationUpdated, e => e.GetProperty("conversation").GetProperty("id").GetGuid() == conversation
            && e.GetProperty("conversation").GetProperty("contactName").GetString() == "Dorothea Díaz (VIP)", EventTimeout);

        // The customer writes again under another WhatsApp profile name: it is kept, the agent's name stays.
        await stack.CustomerWritesAsync(tenant, From, "it's me again", "Dodo on holiday");
        Assert.Equal(("Dorothea Díaz (VIP)", "Dodo on holiday", true), Names(await agent.GetJsonAsync($"/api/contacts/{contact}")));
        Assert.Equal("Dorothea Díaz (VIP)", (await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("contactName").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from contacts where id = $1 and name = 'Dorothea Díaz (VIP)' and profile_name = 'Dodo on holiday'", contact));
        // Both names find the customer.
        foreach (var q in new[] { "holiday", "dorothea" })
        {
            Assert.Equal(conversation, (await agent.GetJsonAsync($"/api/conversations?q={q}")).GetProperty("items")[0].GetProperty("id").GetGuid());
            Assert.Equal(contact, (await agent.GetJsonAsync($"/api/contacts?q={q}")).GetProperty("items")[0].GetProperty("id").GetGuid());
        }

        // null gives the name back to WhatsApp: the profile name shows, and follows the customer's next message.
        var dropped = await Agent.ReadAsync(await PatchAsync(agent, contact, new { name = (string?)null }), HttpStatusCode.OK);
        Assert.Equal(("Dodo on holiday", "Dodo on holiday", false), Names(dropped));
        await stack.CustomerWritesAsync(tenant, From, "back home", "Dodo");
        Assert.Equal(("Dodo", "Dodo", false), Names(await agent.GetJsonAsync($"/api/contacts/{contact}")));
        Assert.Equal("Dodo", (await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("contactName").GetString());
    }

    [Fact]
    public async Task Attributes_are_merged_key_by_key_and_bad_ones_are_refused_naming_the_key()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917066660002", "hi", "Ezra");
        var contact = await ContactOfAsync(agent, conversation);

        await Agent.ReadAsync(await PatchAsync(agent, contact, new { attributes = new { plan = "gold", orders = 3, vip = true } }), HttpStatusCode.OK);
        // Another agent, at the same time, sets one key and removes another: what they did not name stays.
        var merged = await Agent.ReadAsync(await PatchAsync(agent, contact,
            new Dictionary<string, object?> { ["attributes"] = new Dictionary<string, object?> { ["plan"] = null, ["Kundennummer"] = "K-4711", ["region.eu"] = "DE" } }),
            HttpStatusCode.OK);
        var attributes = merged.GetProperty("attributes");
        Assert.Equal(["Kundennummer", "orders", "region.eu", "vip"], attributes.EnumerateObject().Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, attributes.GetProperty("orders").GetInt32());
        Assert.Equal("Ezra", merged.GetProperty("name").GetString()); // the name was not named: unchanged, still WhatsApp's
        var before = (await agent.GetJsonAsync($"/api/contacts/{contact}")).GetProperty("attributes").ToString();

        // Each refusal is a 400 naming the field, and the key at fault in its message.
        foreach (var (body, field, says) in new (object Body, string Field, string Says)[]
                 {
                     (new { attributes = new Dictionary<string, object> { ["two words"] = "x" } }, "attributes", "two words"),
                     (new { attributes = new Dictionary<string, object> { ["_hidden"] = "x" } }, "attributes", "_hidden"),
                     (new { attributes = new Dictionary<string, object> { [new string('k', 65)] = "x" } }, "attributes", "not a key"),
                     (new { attributes = new Dictionary<string, object> { ["nested"] = new { a = 1 } } }, "attributes", "nested"),
                     (new { attributes = new Dictionary<string, object> { ["list"] = new[] { 1, 2 } } }, "attributes", "list"),
                     (new { attributes = new Dictionary<string, object> { ["blank"] = "  " } }, "attributes", "blank"),
                     (new { attributes = new Dictionary<string, object> { ["essay"] = new string('x', 501) } }, "attributes", "essay"),
                     (new { attributes = new Dictionary<string, object> { ["nul"] = "a\0b" } }, "attributes", "nul"),
                     (new { attributes = new[] { "plan" } }, "attributes", "object"),
                     (new { attributes = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => (object)i) }, "attributes", "50"),
                     (new { name = 42 }, "name", "string"),
                     (new { name = "\u0007bell" }, "name", "control"),
                     (new { name = new string('n', 201) }, "name", "200"),
                     (new { }, "name", "Nothing to change"),
                 })
        {
            var problem = await Agent.ProblemAsync(await PatchAsync(agent, contact, body), HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.True(errors.Any(e => e!.Contains(says, StringComparison.Ordinal)), $"expected \"{says}\" under {field}: {problem}");
        }

        // At most 50 in all: 46 more fit beside the 4 there, one more does not, and nothing of that patch is kept.
        await Agent.ReadAsync(await PatchAsync(agent, contact, new { attributes = Enumerable.Range(0, 46).ToDictionary(i => $"k{i}", i => (object)i) }),
            HttpStatusCode.OK);
        await Agent.AssertInvalidAsync(await PatchAsync(agent, contact, new { name = "Not kept", attributes = new { one_more = "x" } }), "attributes");
        var after = await agent.GetJsonAsync($"/api/contacts/{contact}");
        Assert.Equal(50, after.GetProperty("attributes").EnumerateObject().Count());
        Assert.Equal("Ezra", after.GetProperty("name").GetString());
        Assert.NotEqual(before, after.GetProperty("attributes").ToString());
    }

    [Fact]
    public async Task A_contacts_conversations_are_one_per_number_most_recent_first_and_paged()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        var second = (await owner.PostJsonAsync("/api/admin/channels", stack.NewChannel(), HttpStatusCode.Created)).GetProperty("phoneNumberId").GetString()!;
        const string From = "4917066660003";
        var (first, _) = await stack.CustomerWritesAsync(tenant, From, "to your first number", "Fern");
        var (other, _) = await stack.CustomerWritesAsync(tenant with { PhoneNumberId = second }, From, "to your second number", "Fern");
        await stack.CustomerWritesAsync(tenant, "4917066660004", "someone else", "Gil");
        var contact = await ContactOfAsync(agent, first);
        Assert.Equal(contact, await ContactOfAsync(agent, other));

        var all = await agent.GetJsonAsync($"/api/contacts/{contact}/conversations");
        Assert.Equal([other, first], all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal("to your second number", all.GetProperty("items")[0].GetProperty("lastMessagePreview").GetString());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);

        var page = await agent.GetJsonAsync($"/api/contacts/{contact}/conversations?limit=1");
        Assert.Equal(other, page.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
        var rest = await agent.GetJsonAsync($"/api/contacts/{contact}/conversations?limit=1&cursor={Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!)}");
        Assert.Equal(first, rest.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);

        await Agent.AssertInvalidAsync(await agent.GetAsync($"/api/contacts/{contact}/conversations?limit=0"), "limit");
        await Agent.AssertInvalidAsync(await agent.GetAsync($"/api/contacts/{contact}/conversations?cursor=nope"), "cursor");
        await Agent.ProblemAsync(await agent.GetAsync($"/api/contacts/{Guid.CreateVersion7()}/conversations"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_tenants_contact_is_404_on_every_contact_route_and_nothing_of_it_changes()
    {
        var mine = await stack.CreateTenantAsync();
        var theirs = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(mine);
        var victim = await stack.LoginAgentAsync(theirs);
        await stack.CustomerWritesAsync(mine, "4917066660005", "hi", "Hugo");
        var (theirConversation, _) = await stack.CustomerWritesAsync(theirs, "4917066660006", "hi", "Ida");
        var theirContact = await ContactOfAsync(victim, theirConversation);
        await Agent.ReadAsync(await PatchAsync(victim, theirContact, new { name = "Ida (theirs)", attributes = new { plan = "gold" } }), HttpStatusCode.OK);
        var before = (await victim.GetJsonAsync($"/api/contacts/{theirContact}")).ToString();

        await Agent.ProblemAsync(await agent.GetAsync($"/api/contacts/{theirContact}"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await agent.GetAsync($"/api/contacts/{theirContact}/conversations"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await PatchAsync(agent, theirContact, new { name = "Mine now", attributes = new { plan = (string?)null } }), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await PatchAsync(agent, theirContact, new { name = (string?)null }), HttpStatusCode.NotFound);

        Assert.Equal(before, (await victim.GetJsonAsync($"/api/contacts/{theirContact}")).ToString());
        Assert.Equal("Ida (theirs)", (await victim.GetJsonAsync($"/api/conversations/{theirConversation}")).GetProperty("contactName").GetString());
        Assert.DoesNotContain(theirContact.ToString(), (await agent.GetJsonAsync("/api/contacts?q=Ida")).ToString());
    }
}
