using System.Net;
using System.Text.Json;
using Inbox.Tests.Integration.Admin;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.Workers.Templates;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration;

/// <summary>
/// Templates come from WhatsApp: each number's WABA templates are read through the Graph API (the simulator's, paged)
/// when the number is added and on a schedule, Meta's status webhooks change them, and a send must be an approved one
/// of the number's own account whose components fill it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TemplateTests(InboxStack stack)
{
    /// <summary>The templates every simulated account starts with.</summary>
    private static readonly string[] Samples =
        ["appointment_reminder", "delivery_window", "hello_world", "order_update", "shipping_update", "summer_sale", "welcome_back"];

    [Fact]
    public async Task A_number_added_through_the_admin_API_has_its_WABA_templates_read_with_their_components()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);

        var created = await owner.PostJsonAsync("/api/admin/channels", stack.NewChannel(), HttpStatusCode.Created);
        var channelId = created.GetProperty("id").GetGuid();
        var wabaId = created.GetProperty("wabaId").GetString();
        await EventuallyAsync(async () => (await TemplatesAsync(agent, channelId)).Count == Samples.Length, "the new number's templates");

        var templates = await TemplatesAsync(agent, channelId);
        Assert.Equal(Samples, templates.Select(t => t.GetProperty("name").GetString()));
        Assert.All(templates, t => Assert.Equal(wabaId, t.GetProperty("wabaId").GetString()));
        var shipping = Named(templates, "shipping_update");
        Assert.Equal("approved", shipping.GetProperty("status").GetString());
        Assert.Equal("Hi {{1}}, your parcel {{2}} has shipped.", shipping.GetProperty("body").GetString());
        var components = shipping.GetProperty("components");
        Assert.Equal(("HEADER", "IMAGE"), (components[0].GetProperty("type").GetString(), components[0].GetProperty("format").GetString()));
        var button = components[3].GetProperty("buttons")[0];
        Assert.Equal(("URL", "https://shop.example/track/{{1}}"), (button.GetProperty("type").GetString(), button.GetProperty("url").GetString()));
        var sale = Named(templates, "summer_sale");
        Assert.Equal(("rejected", "INCORRECT_CATEGORY"), (sale.GetProperty("status").GetString(), sale.GetProperty("statusReason").GetString()));
        Assert.Equal("NAMED", Named(templates, "delivery_window").GetProperty("parameterFormat").GetString());

        // Without a number: every account of the tenant (its first number's too).
        await EventuallyAsync(async () => (await TemplatesAsync(agent)).Count == 2 * Samples.Length, "both numbers' templates");
        // The admins see the read on the number.
        var health = (await owner.GetJsonAsync($"/api/admin/channels/{channelId}")).GetProperty("health");
        Assert.Equal(JsonValueKind.String, health.GetProperty("templatesSyncedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, health.GetProperty("templateSyncError").ValueKind);
        Assert.Equal((Samples.Length, Samples.Length - 1), (health.GetProperty("templates").GetInt32(), health.GetProperty("approvedTemplates").GetInt32()));
    }

    [Fact]
    public async Task A_list_longer_than_a_page_is_read_page_by_page_again_and_again_the_same_and_what_Meta_dropped_goes()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        var channelId = await ChannelOfAsync(tenant);
        await stack.TemplatesReadAsync(tenant);
        for (var i = 0; i < 130; i++) // Inbox asks for 100 a page: two pages
            await stack.Simulator.SetTemplateAsync(new
            {
                wabaId = tenant.WabaId, name = $"notice_{i:D3}", language = "en_US", notify = false,
                components = new[] { new { type = "BODY", text = $"Notice {i} for {{{{1}}}}" } },
            });
        (await stack.Simulator.Http.DeleteAsync($"/simulator/templates/{tenant.WabaId}/welcome_back/de_DE")).EnsureSuccessStatusCode();

        var asked = DateTimeOffset.UtcNow;
        await owner.PostJsonAsync($"/api/admin/channels/{channelId}/templates/sync", null, HttpStatusCode.Accepted);
        await stack.TemplatesReadAsync(tenant, asked);
        var templates = await TemplatesAsync(agent);
        Assert.Equal(Samples.Length - 1 + 130, templates.Count);
        Assert.DoesNotContain(templates, t => t.GetProperty("name").GetString() == "welcome_back");
        Assert.Equal("Notice 129 for {{1}}", Named(templates, "notice_129").GetProperty("body").GetString());

        // Read again: the same rows (upserted by account, name and language), nothing doubled.
        asked = DateTimeOffset.UtcNow;
        await owner.PostJsonAsync($"/api/admin/channels/{channelId}/templates/sync", null, HttpStatusCode.Accepted);
        await stack.TemplatesReadAsync(tenant, asked);
        Assert.Equal(templates.Select(t => t.GetProperty("id").GetGuid()), (await TemplatesAsync(agent)).Select(t => t.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Meta_status_webhooks_change_a_status_with_its_reason_an_older_one_changes_nothing_and_an_unknown_one_is_read()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await stack.TemplatesReadAsync(tenant);
        object Change(string status, string? detail = null, string? reason = null) => new
        {
            wabaId = tenant.WabaId, name = "order_update", language = "en_US", status, reason, detail,
            recommendation = detail is null ? null : "Separate parameters with descriptive text.",
        };

        await stack.Simulator.SetTemplateAsync(Change("REJECTED", "Your template has parameters placed next to each other.", "INVALID_FORMAT"));
        var order = Named(await TemplatesAsync(agent), "order_update");
        Assert.Equal(("rejected", "INVALID_FORMAT"), (order.GetProperty("status").GetString(), order.GetProperty("statusReason").GetString()));
        Assert.Contains("placed next to each other", order.GetProperty("statusDetail").GetString());
        Assert.Contains("Separate parameters", order.GetProperty("statusDetail").GetString());

        await stack.Simulator.SetTemplateAsync(Change("PAUSED", "Paused for low quality."));
        order = Named(await TemplatesAsync(agent), "order_update");
        Assert.Equal(("paused", JsonValueKind.Null), (order.GetProperty("status").GetString(), order.GetProperty("statusReason").ValueKind));
        Assert.Equal("FIRST_PAUSE Paused for low quality.", order.GetProperty("statusDetail").GetString());

        await stack.Simulator.SetTemplateAsync(Change("DISABLED"));
        order = Named(await TemplatesAsync(agent), "order_update");
        Assert.Equal("disabled", order.GetProperty("status").GetString());
        Assert.StartsWith("Disabled on ", order.GetProperty("statusDetail").GetString());

        await stack.Simulator.SetTemplateAsync(Change("APPROVED"));
        order = Named(await TemplatesAsync(agent), "order_update");
        Assert.Equal(("approved", JsonValueKind.Null), (order.GetProperty("status").GetString(), order.GetProperty("statusDetail").ValueKind));

        // A webhook Meta sent an hour ago and retried only now does not undo what came after it.
        var marker = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999);
        var late = await stack.Simulator.Http.PostAsync("/simulator/inject?wait=true", new StringContent(JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = tenant.WabaId, time = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
                    changes = new[]
                    {
                        new
                        {
                            field = "message_template_status_update",
                            value = new { @event = "PAUSED", message_template_id = marker, message_template_name = "order_update", message_template_language = "en_US", reason = "NONE" },
                        },
                    },
                },
            },
        }), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(late.IsSuccessStatusCode, await late.Content.ReadAsStringAsync());
        Assert.Equal("approved", Named(await TemplatesAsync(agent), "order_update").GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(null, """
            select count(*) from webhook_ledger
            where outcome = 'routed' and (detail->>'duplicates')::int = 1 and position(convert_to($1, 'UTF8') in body) > 0
            """, marker.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // Created in WhatsApp Manager and approved: unknown here, so the account is read again — with its components.
        await stack.Simulator.SetTemplateAsync(new
        {
            wabaId = tenant.WabaId, name = "flash_news", language = "en_US", status = "APPROVED",
            components = new[] { new { type = "BODY", text = "News for {{1}}" } },
        });
        await EventuallyAsync(async () => (await TemplatesAsync(agent)).Any(t => t.GetProperty("name").GetString() == "flash_news"),
            "the new template to be read");
        Assert.Equal("News for {{1}}", Named(await TemplatesAsync(agent), "flash_news").GetProperty("body").GetString());
    }

    [Fact]
    public async Task Two_tenants_never_see_or_change_each_others_templates()
    {
        var (a, b) = (await stack.CreateTenantAsync(), await stack.CreateTenantAsync());
        await stack.TemplatesReadAsync(a);
        await stack.TemplatesReadAsync(b);
        var (agentA, agentB, ownerA) = (await stack.LoginAgentAsync(a), await stack.LoginAgentAsync(b), await stack.OwnerAsync(a));
        var channelB = await ChannelOfAsync(b);

        await Agent.ProblemAsync(await agentA.GetAsync($"/api/templates?channelId={channelB}"), HttpStatusCode.NotFound);
        await Agent.ProblemAsync(await ownerA.SendAsync(HttpMethod.Post, $"/api/admin/channels/{channelB}/templates/sync", new { }), HttpStatusCode.NotFound);
        Assert.All(await TemplatesAsync(agentA), t => Assert.Equal(a.WabaId, t.GetProperty("wabaId").GetString()));
        Assert.Equal(0, await stack.Database.CountAsync(a.Id, "select count(*) from message_templates where waba_id = $1", b.WabaId));

        // Meta pauses B's order_update: A's template of the same name (in A's own account) stays approved.
        await stack.Simulator.SetTemplateAsync(new { wabaId = b.WabaId, name = "order_update", language = "en_US", status = "PAUSED" });
        Assert.Equal("paused", Named(await TemplatesAsync(agentB), "order_update").GetProperty("status").GetString());
        Assert.Equal("approved", Named(await TemplatesAsync(agentA), "order_update").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_template_WhatsApp_has_not_approved_or_of_another_account_cannot_be_sent()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.OwnerAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999), "hi",
            at: DateTimeOffset.UtcNow.AddHours(-25));
        await stack.TemplatesReadAsync(tenant);
        await stack.Simulator.SetTemplateAsync(new
        {
            wabaId = tenant.WabaId, name = "order_update", language = "en_US", status = "REJECTED", reason = "INVALID_FORMAT",
            detail = "Parameters next to each other.",
        });

        var refused = await Agent.ProblemAsync(await SendAsync(agent, conversation, "order_update", Body("Ana", "#1")),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:template-not-approved");
        Assert.Equal(("rejected", "INVALID_FORMAT"), (refused.GetProperty("templateStatus").GetString(), refused.GetProperty("statusReason").GetString()));
        Assert.Contains("rejected (INVALID_FORMAT)", refused.GetProperty("detail").GetString());
        await Agent.ProblemAsync(await SendAsync(agent, conversation, "summer_sale", Body("Ana")),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:template-not-approved");

        // A template of the tenant's other account: not sendable from this number.
        var otherWaba = "waba-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Simulator.SetTemplateAsync(new
        {
            wabaId = otherWaba, name = "only_elsewhere", language = "en_US", notify = false,
            components = new[] { new { type = "BODY", text = "Elsewhere" } },
        });
        await owner.PostJsonAsync("/api/admin/channels", stack.NewChannel(wabaId: otherWaba), HttpStatusCode.Created);
        await EventuallyAsync(async () => (await TemplatesAsync(agent)).Any(t => t.GetProperty("name").GetString() == "only_elsewhere"),
            "the other number's templates");
        await Agent.ProblemAsync(await SendAsync(agent, conversation, "only_elsewhere"),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:unknown-template");
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where direction = 'outbound'"));
    }

    [Fact]
    public async Task A_send_is_checked_against_the_read_components_and_the_thread_shows_it_rendered()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var customer = "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await stack.Simulator.CustomerWritesAsync(tenant.PhoneNumberId, customer, "hi"); // the simulator knows the customer too
        await stack.TemplatesReadAsync(tenant);
        // The simulator posts its webhook on its own time: wait until Inbox has stored the conversation.
        await EventuallyAsync(async () => await stack.Database.ScalarAsync(tenant.Id, "select id from conversations") is Guid, "the customer's conversation");
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        object Header(string link) => new { type = "header", parameters = new[] { new { type = "image", image = new { link } } } };
        object Button(string ending) => new { type = "button", sub_type = "url", index = "0", parameters = new[] { new { type = "text", text = ending } } };

        var noHeader = await Agent.ProblemAsync(await SendAsync(agent, conversation, "shipping_update", Body("Ana", "PX-7"), Button("PX-7")),
            HttpStatusCode.BadRequest);
        Assert.Contains("image", noHeader.GetProperty("errors").GetProperty("template.components")[0].GetString());
        var noButton = await Agent.ProblemAsync(await SendAsync(agent, conversation, "shipping_update",
            Header("https://example.test/parcel.jpg"), Body("Ana", "PX-7")), HttpStatusCode.BadRequest);
        Assert.Contains("Track parcel", noButton.GetProperty("errors").GetProperty("template.components")[0].GetString());
        await Agent.ProblemAsync(await SendAsync(agent, conversation, "delivery_window", Body("Ana", "9:00", "11:00")), HttpStatusCode.BadRequest);

        var shipping = await agent.SendMessageAsync(conversation, Template("shipping_update",
            [Header("https://example.test/parcel.jpg"), Body("Ana", "PX-7"), Button("PX-7")]));
        Assert.Equal("Hi Ana, your parcel PX-7 has shipped.\nReply STOP to opt out", shipping.GetProperty("text").GetString());
        Assert.Equal("https://example.test/parcel.jpg", shipping.GetProperty("content").GetProperty("headerLink").GetString());
        Assert.Equal("Track parcel", shipping.GetProperty("content").GetProperty("buttons")[0].GetString());
        var named = await agent.SendMessageAsync(conversation, Template("delivery_window", [new
        {
            type = "body",
            parameters = new[]
            {
                new { type = "text", parameter_name = "to", text = "11:00" }, new { type = "text", parameter_name = "first_name", text = "Ana" },
                new { type = "text", parameter_name = "from", text = "9:00" },
            },
        }]));
        Assert.Equal("Hi Ana, we deliver between 9:00 and 11:00.", named.GetProperty("text").GetString());
        var hello = await agent.SendMessageAsync(conversation, Template("hello_world", null));
        Assert.StartsWith("Hello World\nWelcome and congratulations!!", hello.GetProperty("text").GetString());

        // WhatsApp (the simulator, which checks templates against the account's) took all three.
        foreach (var id in new[] { shipping, named, hello }.Select(m => m.GetProperty("id").GetGuid()))
            await EventuallyAsync(async () => (await agent.GetJsonAsync($"/api/messages/{id}")).GetProperty("status").GetString() is "sent" or "delivered" or "read",
                "the template to be sent");
    }

    [Fact]
    public async Task One_number_whose_templates_cannot_be_read_does_not_stop_the_others_and_is_retried_sooner()
    {
        var (a, b) = (await stack.CreateTenantAsync(), await stack.CreateTenantAsync());
        await stack.TemplatesReadAsync(a);
        await stack.TemplatesReadAsync(b);
        var (channelA, channelB) = (await ChannelOfAsync(a), await ChannelOfAsync(b));
        var ownerA = await stack.OwnerAsync(a);
        await stack.Simulator.FailNextTemplateListsAsync(a.WabaId, 190);

        var started = DateTimeOffset.UtcNow;
        await using (var scope = stack.Workers.Services.CreateAsyncScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<TemplateSyncSweep>().SyncEachAsync([(a.Id, channelA), (b.Id, channelB)], default));

        var healthA = (await ownerA.GetJsonAsync($"/api/admin/channels/{channelA}")).GetProperty("health");
        Assert.Contains("190", healthA.GetProperty("templateSyncError").GetString());
        Assert.Equal(Samples.Length, healthA.GetProperty("templates").GetInt32()); // a failed read removes nothing
        await stack.TemplatesReadAsync(b, started);

        // The schedule: the failed number is due again after Templates:RetryInterval, the read one after Templates:SyncInterval.
        var due = new List<Guid>();
        await using (var command = stack.Database.CreateCommand("select channel_id from template_syncs_due('1 hour', '0 seconds', 100000)"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) due.Add(reader.GetGuid(0));
        Assert.Contains(channelA, due);
        Assert.DoesNotContain(channelB, due);

        await using (var scope = stack.Workers.Services.CreateAsyncScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<TemplateSyncSweep>().SyncEachAsync([(a.Id, channelA)], default));
        Assert.Equal(JsonValueKind.Null,
            (await ownerA.GetJsonAsync($"/api/admin/channels/{channelA}")).GetProperty("health").GetProperty("templateSyncError").ValueKind);
    }

    private static object Body(params string[] values) =>
        new { type = "body", parameters = values.Select(v => new { type = "text", text = v }).ToArray() };

    private static object Template(string name, object[]? components) =>
        new { type = "template", template = new { name, language = "en_US", components } };

    private static Task<HttpResponseMessage> SendAsync(Agent agent, Guid conversation, string name, params object[] components) =>
        agent.SendAsync(HttpMethod.Post, $"/api/conversations/{conversation}/messages",
            Template(name, components.Length == 0 ? null : components), Guid.NewGuid().ToString());

    private async Task<Guid> ChannelOfAsync(TestTenant tenant) =>
        (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from channels where phone_number_id = $1", tenant.PhoneNumberId))!;

    private static async Task<List<JsonElement>> TemplatesAsync(Agent agent, Guid? channelId = null) =>
        (await agent.GetJsonAsync("/api/templates" + (channelId is null ? "" : $"?channelId={channelId}"))).EnumerateArray().ToList();

    private static JsonElement Named(List<JsonElement> templates, string name) =>
        Assert.Single(templates, t => t.GetProperty("name").GetString() == name);

    private static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited in vain for {what}.");
            await Task.Delay(100);
        }
    }
}
