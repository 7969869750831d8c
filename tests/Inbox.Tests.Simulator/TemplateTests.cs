using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Simulator;

/// <summary>Message templates: each account's list (paged like Meta's), the control API that changes them, Meta's
/// status webhook for each change, and template sends checked against the account's templates.</summary>
public sealed class TemplateTests
{
    [Fact]
    public async Task An_account_lists_its_templates_page_by_page_through_the_Graph_client_with_its_numbers_token_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        for (var i = 0; i < 120; i++)
            await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = $"extra_{i:D3}", language = "en_US", notify = false });

        var pages = 0;
        var all = await GraphPages.AllAsync(async after =>
        {
            pages++;
            return await client.Graph.GetTemplatesAsync(SimulatorHost.Token, SimulatorHost.WabaId, after, CancellationToken.None);
        }, client.Options, maxPages: 10);

        Assert.Equal(2, pages); // 127 templates, 100 a page
        Assert.Equal(127, all.Select(t => (t.Name, t.Language)).Distinct().Count());
        var shipping = Assert.Single(all, t => t.Name == "shipping_update");
        Assert.Equal(("APPROVED", "UTILITY", "NONE", "POSITIONAL"), (shipping.Status, shipping.Category, shipping.RejectedReason, shipping.ParameterFormat));
        Assert.Equal("IMAGE", shipping.Components!.Value[0].GetProperty("format").GetString());
        var sale = Assert.Single(all, t => t.Name == "summer_sale");
        Assert.Equal(("REJECTED", "INCORRECT_CATEGORY"), (sale.Status, sale.RejectedReason));
        // The other account's templates are its own (its samples, none of the extras); another number's token sees nothing here.
        Assert.Equal(7, (await client.Graph.GetTemplatesAsync(SimulatorHost.OtherToken, SimulatorHost.OtherWabaId, null, CancellationToken.None)).Data!.Count);
        var stranger = await Assert.ThrowsAsync<GraphApiException>(() =>
            client.Graph.GetTemplatesAsync(SimulatorHost.OtherToken, SimulatorHost.WabaId, null, CancellationToken.None));
        Assert.Equal(100, stranger.Code);
        var unknown = await Assert.ThrowsAsync<GraphApiException>(() =>
            client.Graph.GetTemplatesAsync("nobody", SimulatorHost.WabaId, null, CancellationToken.None));
        Assert.Equal(190, unknown.Code);
    }

    [Fact]
    public async Task Pages_follow_Meta_cursors_fields_are_as_asked_and_bad_parameters_are_error_100()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var path = $"/v24.0/{SimulatorHost.WabaId}/message_templates";

        var first = await JsonAsync(await sim.GraphAsync(HttpMethod.Get, path + "?fields=name,status&limit=3", SimulatorHost.Token));
        Assert.Equal(["hello_world", "order_update", "appointment_reminder"], first.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["name", "status", "id"], first.GetProperty("data")[0].EnumerateObject().Select(p => p.Name));
        var next = first.GetProperty("paging").GetProperty("next").GetString()!;
        Assert.StartsWith(sim.BaseAddress + "v24.0/" + SimulatorHost.WabaId + "/message_templates?", next);
        Assert.Contains("after=" + first.GetProperty("paging").GetProperty("cursors").GetProperty("after").GetString(), next);
        var names = first.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        var page = first;
        while (page.GetProperty("paging").TryGetProperty("next", out var link)) // the last page names none
        {
            page = await JsonAsync(await sim.GraphAsync(HttpMethod.Get, new Uri(link.GetString()!).PathAndQuery, SimulatorHost.Token));
            names.AddRange(page.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        }
        Assert.Equal(7, names.Distinct().Count());
        Assert.Equal(1, page.GetProperty("data").GetArrayLength());

        foreach (var query in new[] { "?limit=0", "?after=not-a-cursor", "?fields=name,quality" })
        {
            var refused = await sim.GraphAsync(HttpMethod.Get, path + query, SimulatorHost.Token);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(100, (await JsonAsync(refused)).GetProperty("error").GetProperty("code").GetInt32());
        }
        await sim.Http.PostAsJsonAsync("/simulator/failures", new { operation = "templates", wabaId = SimulatorHost.WabaId, code = 80007 });
        Assert.Equal(80007, (await JsonAsync(await sim.GraphAsync(HttpMethod.Get, path, SimulatorHost.Token))).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await sim.GraphAsync(HttpMethod.Get, path, SimulatorHost.Token)).StatusCode);
    }

    [Fact]
    public async Task A_status_change_is_sent_as_Meta_signed_message_template_status_update_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        await SetAsync(sim, new
        {
            wabaId = SimulatorHost.WabaId, name = "order_update", language = "en_US", status = "REJECTED", reason = "INVALID_FORMAT",
            detail = "Parameters next to each other.", recommendation = "Separate them.",
        });
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "order_update", language = "en_US", status = "PAUSED" });
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "order_update", language = "en_US", status = "PAUSED" }); // no change: no webhook
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "order_update", language = "en_US", status = "DISABLED" });
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "brand_new", language = "en_US", status = "PENDING" }); // new and pending: none

        var posts = receiver.Received;
        Assert.Equal(3, posts.Count);
        Assert.All(posts, p => Assert.True(p.IsSignedWith(SimulatorHost.AppSecret)));
        var changes = posts.Select(p => Assert.Single(p.Changes)).ToList();
        Assert.All(changes, c => Assert.Equal(("message_template_status_update", SimulatorHost.WabaId), (c.Field, c.WabaId)));
        Assert.All(changes, c => Assert.NotNull(c.EntryTime));
        var rejected = TemplateStatusUpdate.Parse(changes[0].Value, changes[0].EntryTime);
        Assert.Equal(("rejected", "INVALID_FORMAT", "Parameters next to each other. Separate them.", "order_update", "en_US"),
            (rejected.Status, rejected.Reason, rejected.Detail, rejected.Name, rejected.Language));
        Assert.Equal(JsonValueKind.Number, changes[0].Value.GetProperty("message_template_id").ValueKind); // an integer, as Meta sends it
        Assert.Equal("FIRST_PAUSE", changes[1].Value.GetProperty("other_info").GetProperty("title").GetString());
        Assert.Equal(("DISABLED", "NONE"), (changes[2].Value.GetProperty("event").GetString(), changes[2].Value.GetProperty("reason").GetString()));
        Assert.True(changes[2].Value.GetProperty("disable_info").TryGetProperty("disable_date", out _));
    }

    [Fact]
    public async Task A_template_send_must_name_an_approved_template_of_the_numbers_account()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "order_update", language = "en_US", status = "PAUSED", notify = false });
        await SetAsync(sim, new { wabaId = SimulatorHost.WabaId, name = "appointment_reminder", language = "en_US", status = "DISABLED", notify = false });
        await SetAsync(sim, new { wabaId = SimulatorHost.OtherWabaId, name = "elsewhere", language = "en_US", notify = false });
        static string Send(string name, string language = "en_US") =>
            $$$$"""{"messaging_product":"whatsapp","to":"15551230000","type":"template","template":{"name":"{{{{name}}}}","language":{"code":"{{{{language}}}}"}}}""";

        foreach (var (name, language, code) in new[]
                 {
                     ("order_update", "en_US", 132015), ("appointment_reminder", "en_US", 132016), ("summer_sale", "en_US", 132001),
                     ("hello_world", "de_DE", 132001), ("elsewhere", "en_US", 132001),
                 })
        {
            var refused = await sim.SendAsync(Send(name, language));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(code, (await JsonAsync(refused)).GetProperty("error").GetProperty("code").GetInt32());
        }
        await SimulatorHost.AcceptedWamidAsync(await sim.SendAsync(Send("hello_world")));
    }

    [Fact]
    public async Task The_control_API_refuses_a_template_it_cannot_hold_and_removes_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        foreach (var bad in new object[]
                 {
                     new { name = "x", language = "en_US" }, new { wabaId = "1", name = "Not Valid", language = "en_US" },
                     new { wabaId = "1", name = "ok", language = "" }, new { wabaId = "1", name = "ok", language = "en_US", status = "GREAT" },
                 })
            Assert.Equal(HttpStatusCode.BadRequest, (await sim.Http.PostAsJsonAsync("/simulator/templates", bad)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await sim.Http.DeleteAsync($"/simulator/templates/{SimulatorHost.WabaId}/hello_world/en_US")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sim.Http.DeleteAsync($"/simulator/templates/{SimulatorHost.WabaId}/hello_world/en_US")).StatusCode);
        var listed = await JsonAsync(await sim.Http.GetAsync($"/simulator/templates?wabaId={SimulatorHost.WabaId}"));
        Assert.DoesNotContain(listed.EnumerateArray(), t => t.GetProperty("name").GetString() == "hello_world");
    }

    private static async Task SetAsync(SimulatorHost sim, object template)
    {
        var response = await sim.Http.PostAsJsonAsync("/simulator/templates?wait=true", template);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
