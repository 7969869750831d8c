using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Every inbound type Meta documents becomes a message an agent can see, with what it carries.</summary>
[Collection(StackCollection.Name)]
public sealed class InboundTypesTests(InboxStack stack)
{
    private const string From = "4915222000001";

    public static TheoryData<string, string, string?, string> Types => new()
    {
        // fixture, stored type, stored text, conversation preview
        { "text", "text", "Hello, is my order on its way?", "Hello, is my order on its way?" },
        { "image", "image", "My receipt", "📷 Photo: My receipt" },
        { "audio-voice", "audio", null, "🎤 Voice message" },
        { "video", "video", "Unboxing", "🎥 Video: Unboxing" },
        { "document", "document", "Invoice", "📄 invoice-42.pdf: Invoice" },
        { "sticker", "sticker", null, "Sticker" },
        { "location", "location", "Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025", "📍 Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025" },
        { "contacts", "contacts", "Barbara J. Johnson", "👤 Barbara J. Johnson" },
        { "interactive-button-reply", "interactive", "Yes, confirm", "Yes, confirm" },
        { "interactive-list-reply", "interactive", "Tuesday 10:00", "Tuesday 10:00" },
        { "interactive-nfm-reply", "interactive", "Sent", "Sent" },
        { "button", "button", "Stop promotions", "Stop promotions" },
        { "order", "order", "Please deliver tomorrow", "🛒 Order" },
        { "request-welcome", "request_welcome", null, "Opened the chat" },
        { "unsupported", "unsupported", null, "Unsupported message" },
        { "unknown", "unknown", null, "Unsupported message" },
        { "future-type", "hologram", null, "Unsupported message" },
        { "text-reply", "text", "Replying to you", "Replying to you" },
        { "text-forwarded", "text", "Look at this", "Look at this" },
        { "text-referral", "text", "I saw your ad", "I saw your ad" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Each_inbound_type_is_stored_shown_in_the_list_and_pushed_live(
        string fixture, string type, string? text, string preview)
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        var wamid = Webhooks.NewWamid();

        await PostAsync(tenant, Fixtures.Message(fixture, Values(wamid)));

        var message = (await MessagesAsync(tenant)).Single();
        Assert.Equal((wamid, type, text, "inbound"), (message.GetProperty("wamid").GetString(), message.GetProperty("type").GetString(),
            message.GetProperty("text").GetString(), message.GetProperty("direction").GetString()));
        var conversation = (await GetAsync(tenant, "/api/conversations")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(preview, conversation.GetProperty("lastMessagePreview").GetString());
        var pushed = (await agent.WaitForAsync(HubEvents.MessageNew, 1, TimeSpan.FromSeconds(20))).Single();
        Assert.Equal(type, pushed.GetProperty("message").GetProperty("type").GetString());
        Assert.Equal("Customer", pushed.GetProperty("contactName").GetString());
    }

    [Fact]
    public async Task Structured_content_reply_context_forwarding_and_referral_are_kept()
    {
        var tenant = await stack.CreateTenantAsync();
        var target = Webhooks.NewWamid();
        var ids = Enumerable.Range(0, 8).Select(_ => Webhooks.NewWamid()).ToArray();
        string[] fixtures = ["location", "interactive-list-reply", "interactive-nfm-reply", "order", "unsupported", "text-reply", "text-forwarded", "text-referral"];

        await PostAsync(tenant, fixtures.Select((f, i) => Fixtures.Message(f, Values(ids[i], target))).ToArray());

        var byWamid = (await MessagesAsync(tenant)).ToDictionary(m => m.GetProperty("wamid").GetString()!);
        Assert.Equal(37.483307, byWamid[ids[0]].GetProperty("content").GetProperty("latitude").GetDouble());
        Assert.Equal(("list_reply", "slot_2", "With Dr. Lee"), (byWamid[ids[1]].GetProperty("content").GetProperty("kind").GetString(),
            byWamid[ids[1]].GetProperty("content").GetProperty("id").GetString(), byWamid[ids[1]].GetProperty("content").GetProperty("description").GetString()));
        Assert.Contains("flow_token", byWamid[ids[2]].GetProperty("content").GetProperty("responseJson").GetString());
        Assert.Equal("di9ozbzfi4", byWamid[ids[3]].GetProperty("content").GetProperty("product_items")[0].GetProperty("product_retailer_id").GetString());
        var unsupported = byWamid[ids[4]].GetProperty("content");
        Assert.Equal((131051, "poll_creation"), (unsupported.GetProperty("errors").GetProperty("items")[0].GetProperty("code").GetInt32(),
            unsupported.GetProperty("unsupportedType").GetString()));
        Assert.Equal(target, byWamid[ids[5]].GetProperty("replyToWamid").GetString());
        Assert.Equal(target, byWamid[ids[1]].GetProperty("replyToWamid").GetString());
        Assert.Equal("forwarded", byWamid[ids[6]].GetProperty("forwarded").GetString());
        Assert.Equal(("120208", "ARAkLkA8rmlF"), (byWamid[ids[7]].GetProperty("referral").GetProperty("source_id").GetString(),
            byWamid[ids[7]].GetProperty("referral").GetProperty("ctwa_clid").GetString()));
        // The raw item is kept as received for anything not modelled yet.
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where wamid = $1 and payload->'referral'->>'headline' = '50% off'", ids[7]));
    }

    [Fact]
    public async Task Media_messages_are_stored_at_once_as_pending_with_a_download_queued()
    {
        var tenant = await stack.CreateTenantAsync();
        var ids = new[] { Webhooks.NewWamid(), Webhooks.NewWamid() };

        await PostAsync(tenant, Fixtures.Message("audio-voice", Values(ids[0])), Fixtures.Message("document", Values(ids[1])));

        var byWamid = (await MessagesAsync(tenant)).ToDictionary(m => m.GetProperty("wamid").GetString()!);
        Assert.True(byWamid[ids[0]].GetProperty("content").GetProperty("voice").GetBoolean());
        var document = byWamid[ids[1]].GetProperty("media");
        Assert.Equal(("invoice-42.pdf", "application/pdf"), (document.GetProperty("filename").GetString(), document.GetProperty("mimeType").GetString()));
        Assert.EndsWith("/media", document.GetProperty("url").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where whatsapp_media_id = '1227447765165557' and filename = 'invoice-42.pdf'"));
        Assert.Equal(2, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where message_type like '%.DownloadMedia'"));
    }

    [Fact]
    public async Task A_sender_with_only_a_BSUID_gets_a_contact_and_a_conversation()
    {
        var tenant = await stack.CreateTenantAsync();
        var bsuid = "US.13491208655302741918" + Random.Shared.Next(1000, 9999);
        var contacts = $"[{{\"profile\":{{\"name\":\"Username User\"}},\"user_id\":\"{bsuid}\"}}]";

        await PostRawAsync(tenant, Fixtures.Change(tenant.PhoneNumberId, contacts, [Fixtures.Message("text-bsuid-only", Values(Webhooks.NewWamid(), bsuid: bsuid))]));

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from contacts where bsuid = $1 and wa_id is null and profile_name = 'Username User'", bsuid));
        Assert.Equal("I use a username", (await MessagesAsync(tenant)).Single().GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_number_change_system_message_moves_the_contact_to_the_new_number_and_keeps_the_window()
    {
        var tenant = await stack.CreateTenantAsync();
        await PostAsync(tenant, Fixtures.Message("text", Values(Webhooks.NewWamid())));
        var windowBefore = await WindowAsync(tenant);

        // System messages come without a contacts array.
        await PostRawAsync(tenant, Fixtures.Change(tenant.PhoneNumberId, null,
            [Fixtures.Message("system-number-change", Values(Webhooks.NewWamid(), newWaId: "4915222999999"))]));

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from contacts where wa_id = '4915222999999'"));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from contacts where wa_id = $1", From));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from conversations"));
        Assert.Equal(windowBefore, await WindowAsync(tenant));
        var system = (await MessagesAsync(tenant)).First(m => m.GetProperty("type").GetString() == "system");
        Assert.Equal("user_changed_number", system.GetProperty("content").GetProperty("systemType").GetString());
    }

    [Fact]
    public async Task The_service_window_closes_24_hours_after_the_last_customer_message()
    {
        var tenant = await stack.CreateTenantAsync();
        await PostAsync(tenant, Fixtures.Message("text", Values(Webhooks.NewWamid())), Fixtures.Message("request-welcome", Values(Webhooks.NewWamid())));

        var conversation = (await GetAsync(tenant, "/api/conversations")).GetProperty("items").EnumerateArray().Single();
        var lastInbound = conversation.GetProperty("lastInboundAt").GetDateTimeOffset();
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763780016), lastInbound); // request_welcome opens it too
        Assert.Equal(lastInbound.AddHours(24), conversation.GetProperty("windowClosesAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Reactions_attach_to_their_target_and_an_empty_or_missing_emoji_removes_them()
    {
        var tenant = await stack.CreateTenantAsync();
        var target = Webhooks.NewWamid();
        await PostAsync(tenant, Fixtures.Message("text", Values(target)));
        var conversationId = (await MessagesAsync(tenant)).Single().GetProperty("conversationId").GetGuid();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await agent.InvokeAsync("JoinConversation", conversationId);

        await PostAsync(tenant, Fixtures.Message("reaction", Values(Webhooks.NewWamid(), target)));
        var reactions = (await MessagesAsync(tenant)).Single().GetProperty("reactions");
        Assert.Equal("👍", reactions.EnumerateArray().Single().GetProperty("emoji").GetString());
        var update = (await agent.WaitForAsync(HubEvents.MessageUpdated, 1, TimeSpan.FromSeconds(20))).Single();
        Assert.Equal("👍", update.GetProperty("reactions")[0].GetProperty("emoji").GetString());

        await PostAsync(tenant, Fixtures.Message("reaction-removed-empty", Values(Webhooks.NewWamid(), target)));
        Assert.Empty((await MessagesAsync(tenant)).Single().GetProperty("reactions").EnumerateArray());

        await PostAsync(tenant, Fixtures.Message("reaction", Values(Webhooks.NewWamid(), target)).Replace("1763780100", "1763780300"));
        Assert.Single((await MessagesAsync(tenant)).Single().GetProperty("reactions").EnumerateArray());
        await PostAsync(tenant, Fixtures.Message("reaction-removed-missing", Values(Webhooks.NewWamid(), target)).Replace("1763780200", "1763780400"));
        Assert.Empty((await MessagesAsync(tenant)).Single().GetProperty("reactions").EnumerateArray());
        Assert.Single(await MessagesAsync(tenant)); // a reaction is never a message of its own

        // An older reaction arriving late does not bring it back.
        await PostAsync(tenant, Fixtures.Message("reaction", Values(Webhooks.NewWamid(), target)));
        Assert.Empty((await MessagesAsync(tenant)).Single().GetProperty("reactions").EnumerateArray());
    }

    [Fact]
    public async Task A_reaction_to_a_message_not_yet_stored_shows_once_the_message_arrives()
    {
        var tenant = await stack.CreateTenantAsync();
        var target = Webhooks.NewWamid();

        await PostAsync(tenant, Fixtures.Message("reaction", Values(Webhooks.NewWamid(), target)));
        await PostAsync(tenant, Fixtures.Message("text", Values(target)));

        Assert.Equal("👍", (await MessagesAsync(tenant)).Single().GetProperty("reactions")[0].GetProperty("emoji").GetString());
    }

    internal static Dictionary<string, string> Values(string wamid, string? target = null, string? bsuid = null, string? newWaId = null) => new()
    {
        ["$WAMID"] = wamid,
        ["$FROM"] = From,
        ["$TARGET"] = target ?? "wamid.TARGET",
        ["$BSUID"] = bsuid ?? "US.0",
        ["$NEWWAID"] = newWaId ?? "4915222000009",
    };

    private Task PostAsync(TestTenant tenant, params string[] messages) =>
        PostRawAsync(tenant, Fixtures.Change(tenant.PhoneNumberId, Fixtures.Contact(From, "Customer"), messages));

    private async Task PostRawAsync(TestTenant tenant, string change)
    {
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Fixtures.Envelope([change])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await stack.Database.CountAsync(null, "select count(*) from webhook_ledger where outcome = 'items_rejected' and position(convert_to($1, 'UTF8') in body) > 0", tenant.PhoneNumberId);
        Assert.Equal(0, outcome);
    }

    private async Task<DateTimeOffset?> WindowAsync(TestTenant tenant)
    {
        var conversation = (await GetAsync(tenant, "/api/conversations")).GetProperty("items").EnumerateArray().Single();
        return conversation.GetProperty("windowClosesAt").GetDateTimeOffset();
    }

    private async Task<List<JsonElement>> MessagesAsync(TestTenant tenant)
    {
        var conversation = (await GetAsync(tenant, "/api/conversations")).GetProperty("items").EnumerateArray().Single();
        return (await GetAsync(tenant, $"/api/conversations/{conversation.GetProperty("id").GetGuid()}/messages")).GetProperty("items").EnumerateArray().ToList();
    }

    private async Task<JsonElement> GetAsync(TestTenant tenant, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.TokenAsync(tenant));
        var response = await stack.Api.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
