using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration;

/// <summary>
/// Files attached from disk: the Api checks them against WhatsApp's types and sizes and stores them for their agent;
/// a send names the upload, the agent's copy is served at once, and Workers upload the file to the Graph API (the
/// simulator) and send it by the media id — once, however often the send is tried.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AttachmentTests(InboxStack stack)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] Photo = SampleImages.Png(200, 40, 90, size: 64);
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    private sealed record Chat(Agent Agent, HubClient Hub, Guid Conversation, string Customer) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Hub.DisposeAsync();
    }

    /// <summary>A customer writes through the simulator (its window opens on both sides); the agent has the conversation open.</summary>
    private async Task<Chat> ChatAsync(TestTenant? tenant = null)
    {
        tenant ??= await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var customer = "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await stack.Simulator.CustomerWritesAsync(tenant.PhoneNumberId, customer, "Can you send me the invoice?");
        var conversation = (Guid)(await Eventually.ReadAsync(
            () => stack.Database.ScalarAsync(tenant.Id, "select v.id from conversations v join contacts c on c.id = v.contact_id where c.wa_id = $1", customer),
            c => c is Guid))!;
        var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await hub.InvokeAsync("JoinConversation", conversation);
        return new Chat(agent, hub, conversation, customer);
    }

    [Fact]
    public async Task A_file_uploaded_and_sent_reaches_WhatsApp_by_a_media_id_whose_bytes_are_the_file()
    {
        await using var chat = await ChatAsync();
        var tenant = chat.Agent.Tenant;

        var upload = await chat.Agent.UploadedAsync(Photo, "receipt.png", "image/png");
        Assert.Equal("image", upload.GetProperty("type").GetString());
        Assert.Equal("image/png", upload.GetProperty("mimeType").GetString());
        Assert.Equal("receipt.png", upload.GetProperty("filename").GetString());
        Assert.Equal(Photo.Length, upload.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Photo)), upload.GetProperty("sha256").GetString());
        Assert.Empty(await stack.Simulator.UploadsOfAsync(tenant.PhoneNumberId)); // nothing goes to Meta before a send

        var key = Guid.NewGuid().ToString();
        var body = new { type = "image", uploadId = upload.GetProperty("id").GetGuid(), caption = "Your receipt" };
        var sent = await chat.Agent.PostJsonAsync($"/api/conversations/{chat.Conversation}/messages", body, HttpStatusCode.Created, key);
        var id = sent.GetProperty("id").GetGuid();
        // The agent's own copy, at once: the message carries its file, served by the Api before WhatsApp has it.
        Assert.Equal("ready", sent.GetProperty("media").GetProperty("status").GetString());
        Assert.Equal("image/png", sent.GetProperty("media").GetProperty("mimeType").GetString());
        var copy = await chat.Agent.GetAsync(sent.GetProperty("media").GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
        Assert.Equal(Photo, await copy.Content.ReadAsByteArrayAsync());
        // The same Idempotency-Key again: the same message, no second send.
        var replay = await chat.Agent.PostJsonAsync($"/api/conversations/{chat.Conversation}/messages", body, HttpStatusCode.OK, key);
        Assert.Equal(id, replay.GetProperty("id").GetGuid());

        var status = await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == id && e.GetProperty("status").GetString() == "sent", Timeout);
        var send = Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
        Assert.Equal(status.GetProperty("wamid").GetString(), send.GetProperty("id").GetString());
        Assert.Equal("image", send.GetProperty("type").GetString());
        var mediaId = send.GetProperty("mediaId").GetString()!;
        Assert.Equal(mediaId, Assert.Single(await stack.Simulator.UploadsOfAsync(tenant.PhoneNumberId)).GetProperty("id").GetString());
        Assert.Equal(Photo, await stack.Simulator.MediaBytesAsync(tenant.AccessToken, mediaId));
        // The stored request is the one Meta got: by the media id, with the caption.
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where id = $1 and payload->'image'->>'id' = $2 and payload->'image'->>'caption' = 'Your receipt'", id, mediaId));
    }

    [Fact]
    public async Task A_document_keeps_its_file_name_and_is_sent_as_a_document()
    {
        await using var chat = await ChatAsync();
        var upload = await chat.Agent.UploadedAsync(Pdf, "Invoice 2026-12.pdf", "application/pdf");
        Assert.Equal("document", upload.GetProperty("type").GetString());

        var sent = await chat.Agent.SendMessageAsync(chat.Conversation,
            new { type = "document", uploadId = upload.GetProperty("id").GetGuid(), caption = "Your invoice" });
        var id = sent.GetProperty("id").GetGuid();
        Assert.Equal("Invoice 2026-12.pdf", sent.GetProperty("media").GetProperty("filename").GetString());

        await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == id && e.GetProperty("status").GetString() == "sent", Timeout);
        var mediaId = Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer)).GetProperty("mediaId").GetString()!;
        Assert.Equal(Pdf, await stack.Simulator.MediaBytesAsync(chat.Agent.Tenant.AccessToken, mediaId));
        Assert.Equal(1, await stack.Database.CountAsync(chat.Agent.Tenant.Id,
            "select count(*) from messages where id = $1 and payload->'document'->>'filename' = 'Invoice 2026-12.pdf'", id));

        // Without a caption, the list shows the document's name.
        await chat.Agent.SendMessageAsync(chat.Conversation, new
        {
            type = "document", uploadId = (await chat.Agent.UploadedAsync(Pdf, "Terms.pdf", "application/pdf")).GetProperty("id").GetGuid(),
        });
        Assert.Equal("[document] Terms.pdf",
            (await chat.Agent.GetJsonAsync($"/api/conversations/{chat.Conversation}")).GetProperty("lastMessagePreview").GetString());
    }

    [Fact]
    public async Task Files_WhatsApp_would_not_take_are_refused_with_the_rule_they_break_and_nothing_is_stored()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);

        // A type WhatsApp does not take.
        var gif = await Agent.ProblemAsync(await agent.UploadAsync(new ByteArrayContent("GIF89a\x01\x00"u8.ToArray()), "dance.gif", "image/gif"),
            HttpStatusCode.UnsupportedMediaType, "urn:inbox:problem:unsupported-file");
        Assert.Contains("image/gif", gif.GetProperty("detail").GetString());
        // Content that is not what it is declared as.
        var renamed = await Agent.ProblemAsync(await agent.UploadAsync(new ByteArrayContent(Pdf), "photo.png", "image/png"),
            HttpStatusCode.UnsupportedMediaType, "urn:inbox:problem:unsupported-file");
        Assert.Contains("PDF", renamed.GetProperty("detail").GetString());
        // Over a kind's limit: an image of 5 MB and a byte, said up front and (chunked, no length) found while reading.
        var bigImage = Photo.Concat(new byte[5 * 1024 * 1024 + 1 - Photo.Length]).ToArray();
        var big = await Agent.ProblemAsync(await agent.UploadAsync(new ByteArrayContent(bigImage), "big.png", "image/png"),
            HttpStatusCode.RequestEntityTooLarge, "urn:inbox:problem:file-too-large");
        Assert.Contains("5 MB", big.GetProperty("detail").GetString());
        await Agent.ProblemAsync(await agent.UploadAsync(new StreamContent(new UnknownLengthStream(bigImage)), "big.png", "image/png"),
            HttpStatusCode.RequestEntityTooLarge, "urn:inbox:problem:file-too-large");
        // A static sticker over 100 KB (an animated one may have 500 KB).
        var webp = "RIFF\0\0\0\0WEBPVP8 "u8.ToArray().Concat(new byte[110 * 1024]).ToArray();
        var sticker = await Agent.ProblemAsync(await agent.UploadAsync(new ByteArrayContent(webp), "sticker.webp", "image/webp"),
            HttpStatusCode.RequestEntityTooLarge, "urn:inbox:problem:file-too-large");
        Assert.Contains("100 KB", sticker.GetProperty("detail").GetString());
        // Empty, no file part, not multipart.
        await Agent.AssertInvalidAsync(await agent.UploadAsync(new ByteArrayContent([]), "empty.txt", "text/plain"), "file");
        using (var noFile = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = new MultipartFormDataContent { { new StringContent("x"), "caption" } } })
        {
            noFile.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.AccessToken);
            await Agent.AssertInvalidAsync(await stack.Api.Http.SendAsync(noFile), "file");
        }
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, "/api/uploads", new { file = "x" }), HttpStatusCode.UnsupportedMediaType);

        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from media_files"));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from media_blobs"));
        // What WhatsApp takes passes: an animated sticker of 400 KB, a text file, an MP3 named without a type.
        var animated = "RIFF\0\0\0\0WEBPVP8X"u8.ToArray().Concat(new byte[] { 0, 0, 0, 0, 0x02 }).Concat(new byte[400 * 1024]).ToArray();
        Assert.Equal("sticker", (await agent.UploadedAsync(animated, "party.webp", "image/webp")).GetProperty("type").GetString());
        Assert.Equal("document", (await agent.UploadedAsync("Order #7: 2 chairs\n"u8.ToArray(), "order.txt", "text/plain")).GetProperty("type").GetString());
        var mp3 = await agent.UploadedAsync("ID3\x04\0\0\0\0\0\0"u8.ToArray().Concat(new byte[2048]).ToArray(), "note.mp3", "application/octet-stream");
        Assert.Equal(("audio", "audio/mpeg"), (mp3.GetProperty("type").GetString(), mp3.GetProperty("mimeType").GetString()));
    }

    [Fact]
    public async Task An_upload_is_sent_once_by_its_own_agent_as_its_own_type()
    {
        await using var chat = await ChatAsync();
        var upload = (await chat.Agent.UploadedAsync(Photo, "photo.png", "image/png")).GetProperty("id").GetGuid();
        var path = $"/api/conversations/{chat.Conversation}/messages";

        await Agent.AssertInvalidAsync(await chat.Agent.SendAsync(HttpMethod.Post, path,
            new { type = "document", uploadId = upload }, Guid.NewGuid().ToString()), "type");
        await Agent.AssertInvalidAsync(await chat.Agent.SendAsync(HttpMethod.Post, path,
            new { type = "image", uploadId = upload, link = "https://example.test/a.png" }, Guid.NewGuid().ToString()), "link");
        var owner = await stack.LoginAgentAsync(chat.Agent.Tenant, owner: true); // a colleague cannot send it
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, path, new { type = "image", uploadId = upload }, Guid.NewGuid().ToString()), "uploadId");
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendAsync(HttpMethod.Delete, $"/api/uploads/{upload}")).StatusCode);

        await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "image", uploadId = upload });
        await Agent.AssertInvalidAsync(await chat.Agent.SendAsync(HttpMethod.Post, path,
            new { type = "image", uploadId = upload }, Guid.NewGuid().ToString()), "uploadId"); // sent already
        Assert.Equal(HttpStatusCode.NotFound, (await chat.Agent.SendAsync(HttpMethod.Delete, $"/api/uploads/{upload}")).StatusCode);

        // Discarded before a send: gone, bytes and all.
        var discarded = (await chat.Agent.UploadedAsync(Photo, "other.png", "image/png")).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await chat.Agent.SendAsync(HttpMethod.Delete, $"/api/uploads/{discarded}")).StatusCode);
        Assert.Equal(0, await stack.Database.CountAsync(chat.Agent.Tenant.Id, "select count(*) from media_blobs where media_file_id = $1", discarded));
        await Agent.AssertInvalidAsync(await chat.Agent.SendAsync(HttpMethod.Post, path,
            new { type = "image", uploadId = discarded }, Guid.NewGuid().ToString()), "uploadId");
    }

    [Fact]
    public async Task Another_tenant_can_neither_send_discard_nor_read_an_upload()
    {
        await using var mine = await ChatAsync();
        await using var theirs = await ChatAsync();
        var upload = (await mine.Agent.UploadedAsync(Photo, "private.png", "image/png")).GetProperty("id").GetGuid();

        await Agent.AssertInvalidAsync(await theirs.Agent.SendAsync(HttpMethod.Post, $"/api/conversations/{theirs.Conversation}/messages",
            new { type = "image", uploadId = upload }, Guid.NewGuid().ToString()), "uploadId");
        await Agent.ProblemAsync(await theirs.Agent.SendAsync(HttpMethod.Delete, $"/api/uploads/{upload}"), HttpStatusCode.NotFound);
        // Nor into my conversation from theirs, with their own upload.
        var foreign = (await theirs.Agent.UploadedAsync(Photo, "theirs.png", "image/png")).GetProperty("id").GetGuid();
        await Agent.ProblemAsync(await theirs.Agent.SendAsync(HttpMethod.Post, $"/api/conversations/{mine.Conversation}/messages",
            new { type = "image", uploadId = foreign }, Guid.NewGuid().ToString()), HttpStatusCode.NotFound);

        var sent = await mine.Agent.SendMessageAsync(mine.Conversation, new { type = "image", uploadId = upload });
        var media = sent.GetProperty("media").GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.Agent.GetAsync(media)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.Agent.GetAsync($"/api/messages/{sent.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(Photo, await (await mine.Agent.GetAsync(media)).Content.ReadAsByteArrayAsync());
        Assert.Equal(0, await stack.Database.CountAsync(theirs.Agent.Tenant.Id, "select count(*) from media_files where id = $1", upload));
    }

    [Fact]
    public async Task A_send_tried_again_after_its_file_was_uploaded_does_not_upload_it_twice()
    {
        await using var chat = await ChatAsync();
        var tenant = chat.Agent.Tenant;
        var upload = (await chat.Agent.UploadedAsync(Photo, "receipt.png", "image/png")).GetProperty("id").GetGuid();
        // What a Workers process that died between the upload and the send leaves: Meta has the file (its media id is
        // kept with it), the send is still claimed by the dead worker, its lease over.
        using var file = new MemoryStream(Photo);
        using var form = new MultipartFormDataContent
        {
            { new StreamContent(file) { Headers = { ContentType = new("image/png") } }, "file", "receipt.png" },
            { new StringContent("image/png"), "type" }, { new StringContent("whatsapp"), "messaging_product" },
        };
        using var graphUpload = new HttpRequestMessage(HttpMethod.Post, $"/v24.0/{tenant.PhoneNumberId}/media") { Content = form };
        graphUpload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.AccessToken);
        var mediaId = JsonDocument.Parse(await (await stack.Simulator.Http.SendAsync(graphUpload)).EnsureSuccessStatusCode()
            .Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var id = Guid.CreateVersion7();
        var payload = new OutboundMessage
        {
            Type = "image", To = chat.Customer, Image = new OutboundMedia(null, Caption: "Your receipt"), BizOpaqueCallbackData = id.ToString(),
        }.ToJson();
        await stack.Database.ExecuteAsync(tenant.Id, """
            with message as (
                insert into messages (id, tenant_id, conversation_id, channel_id, direction, type, text, payload, sent_at, status,
                                      status_at, send_state, send_attempts, sender_user_id, send_claim_id, send_claimed_by,
                                      send_claimed_at, send_lease_until, media_status)
                select $1, tenant_id, id, channel_id, 'outbound', 'image', 'Your receipt', $3::jsonb, now(), 'queued', now(),
                       'claimed', 1, $4, gen_random_uuid(), 'dead-host/4242', now() - interval '3 minutes', now() - interval '1 minute', 'ready'
                from conversations where id = $2
                returning id, channel_id)
            update media_files set message_id = message.id, channel_id = message.channel_id, whatsapp_media_id = $6
            from message where media_files.id = $5
            """, id, chat.Conversation, payload, chat.Agent.UserId, upload, mediaId);

        // The lease sweep hands the send to a live worker, which sends it by the kept media id.
        var message = await Eventually.ReadAsync(() => chat.Agent.GetJsonAsync($"/api/messages/{id}"),
            m => m.GetProperty("wamid").ValueKind == JsonValueKind.String);
        var send = Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
        Assert.Equal(message.GetProperty("wamid").GetString(), send.GetProperty("id").GetString());
        Assert.Equal(mediaId, send.GetProperty("mediaId").GetString());
        await Task.Delay(TimeSpan.FromSeconds(2)); // several sweeps later: still the one upload, the one send
        Assert.Single(await stack.Simulator.UploadsOfAsync(tenant.PhoneNumberId));
        Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
    }

    [Fact]
    public async Task An_upload_WhatsApp_refuses_fails_the_message_with_Metas_code_and_a_transient_refusal_is_retried()
    {
        await using var chat = await ChatAsync();
        var tenant = chat.Agent.Tenant;

        await stack.Simulator.FailNextUploadsAsync(tenant.PhoneNumberId, 131053, 1); // media upload error: for good
        var refused = (await chat.Agent.SendMessageAsync(chat.Conversation, new
        {
            type = "image", uploadId = (await chat.Agent.UploadedAsync(Photo, "a.png", "image/png")).GetProperty("id").GetGuid(),
        })).GetProperty("id").GetGuid();
        var failed = await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == refused && e.GetProperty("status").GetString() == "failed", Timeout);
        Assert.Equal(131053, failed.GetProperty("errorCode").GetInt32());
        Assert.Empty(await stack.Simulator.SendsToAsync(chat.Customer));

        await stack.Simulator.FailNextUploadsAsync(tenant.PhoneNumberId, 131000, 1); // something went wrong: try again
        var retried = (await chat.Agent.SendMessageAsync(chat.Conversation, new
        {
            type = "image", uploadId = (await chat.Agent.UploadedAsync(Photo, "b.png", "image/png")).GetProperty("id").GetGuid(),
        })).GetProperty("id").GetGuid();
        await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == retried && e.GetProperty("status").GetString() == "sent", Timeout);
        var uploaded = Assert.Single(await stack.Simulator.UploadsOfAsync(tenant.PhoneNumberId));
        Assert.Equal(Photo.Length, uploaded.GetProperty("size").GetInt64()); // the retry sent the whole file again
        Assert.Equal(uploaded.GetProperty("id").GetString(), Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer)).GetProperty("mediaId").GetString());
    }

    [Fact]
    public async Task Uploads_never_sent_are_deleted_after_their_lifetime_and_sent_ones_are_kept()
    {
        await using var chat = await ChatAsync();
        var tenant = chat.Agent.Tenant;
        var forgotten = (await chat.Agent.UploadedAsync(Photo, "forgotten.png", "image/png")).GetProperty("id").GetGuid();
        var fresh = (await chat.Agent.UploadedAsync(Photo, "fresh.png", "image/png")).GetProperty("id").GetGuid();
        var sentUpload = (await chat.Agent.UploadedAsync(Photo, "sent.png", "image/png")).GetProperty("id").GetGuid();
        var sent = await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "image", uploadId = sentUpload });
        // Older than Media:UnsentUploadLifetime (a day).
        await stack.Database.ExecuteAsync(tenant.Id, "update media_files set created_at = now() - interval '2 days' where id = any($1)",
            new[] { forgotten, sentUpload });

        await Eventually.ReadAsync(() => stack.Database.CountAsync(tenant.Id, "select count(*) from media_files where id = $1", forgotten), n => n == 0);
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from media_blobs where media_file_id = $1", forgotten));
        Assert.Equal(2, await stack.Database.CountAsync(tenant.Id, "select count(*) from media_blobs where media_file_id = any($1)",
            new[] { fresh, sentUpload }));
        Assert.Equal(Photo, await (await chat.Agent.GetAsync(sent.GetProperty("media").GetProperty("url").GetString()!)).Content.ReadAsByteArrayAsync());
    }

    /// <summary>A body of unknown length: HttpClient sends it chunked, so the Api learns its size only by reading it.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
