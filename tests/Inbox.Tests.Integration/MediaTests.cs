using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Media: stored at once as pending, fetched by Workers through the Graph API (the simulator), served to the tenant only.</summary>
[Collection(StackCollection.Name)]
public sealed class MediaTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>A customer sends an image through the simulator; returns the stored message's id.</summary>
    private async Task<Guid> CustomerSendsImageAsync(TestTenant tenant)
    {
        await using var listener = await stack.ConnectAgentAsync(tenant);
        var sent = await stack.Simulator.Http.PostAsJsonAsync("/simulator/inbound",
            new { phoneNumberId = tenant.PhoneNumberId, from = "4917711122233", name = "Pic Sender", type = "image" });
        sent.EnsureSuccessStatusCode();
        var message = (await listener.WaitForAsync(HubEvents.MessageNew, 1, Wait)).Single().GetProperty("message");
        Assert.Equal(("image", "pending"), (message.GetProperty("type").GetString(), message.GetProperty("media").GetProperty("status").GetString()));
        return message.GetProperty("id").GetGuid();
    }

    /// <summary>The message:updated the conversation's room was sent, read from the tenant's stream (no join race).</summary>
    private async Task<JsonElement> MediaUpdateAsync(TestTenant tenant, Guid messageId, string? status = null)
    {
        var follower = new StreamFollower(stack.Api.Http, await stack.TokenAsync(tenant));
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            await follower.CatchUpAsync();
            var update = follower.Applied.FirstOrDefault(e => e.Name == HubEvents.MessageUpdated && e.Payload.GetProperty("messageId").GetGuid() == messageId
                && (status is null || e.Payload.GetProperty("media").GetProperty("status").GetString() == status));
            if (update.Name is not null) return update.Payload;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No message:updated for the media.");
            await Task.Delay(100);
        }
    }

    private async Task<HttpResponseMessage> DownloadAsync(TestTenant tenant, Guid messageId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/media");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.TokenAsync(tenant));
        return await stack.Api.Http.SendAsync(request);
    }

    private Task FailNextMediaLookupsAsync(TestTenant tenant, int code, int count) =>
        stack.Simulator.Http.PostAsJsonAsync("/simulator/failures", new { code, count, phoneNumberId = tenant.PhoneNumberId, operation = "media" })
            .ContinueWith(t => t.Result.EnsureSuccessStatusCode(), TaskScheduler.Default);

    [Fact]
    public async Task An_image_is_fetched_with_the_channels_token_stored_and_served_to_its_tenant_with_the_announced_hash()
    {
        var tenant = await stack.CreateTenantAsync();
        var messageId = await CustomerSendsImageAsync(tenant);

        var update = await MediaUpdateAsync(tenant, messageId);
        Assert.Equal("ready", update.GetProperty("media").GetProperty("status").GetString());

        var response = await DownloadAsync(tenant, messageId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("image/", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var announced = (string)(await stack.Database.ScalarAsync(tenant.Id, "select payload->'image'->>'sha256' from messages where id = $1", messageId))!;
        Assert.Equal(announced, Convert.ToBase64String(SHA256.HashData(bytes)));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'ready' and attempts = 1 and file_size = $2", messageId, (long)bytes.Length));
    }

    [Fact]
    public async Task A_transient_Graph_error_is_retried_with_back_off_until_the_media_arrives()
    {
        var tenant = await stack.CreateTenantAsync();
        await FailNextMediaLookupsAsync(tenant, 131016, 2); // service unavailable, twice
        var messageId = await CustomerSendsImageAsync(tenant);

        var update = await MediaUpdateAsync(tenant, messageId);

        Assert.Equal("ready", update.GetProperty("media").GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'ready' and attempts = 3", messageId));
        Assert.Equal(HttpStatusCode.OK, (await DownloadAsync(tenant, messageId)).StatusCode);
    }

    [Fact]
    public async Task When_retries_are_spent_the_media_is_marked_failed_with_its_reason_and_the_inbox_hears_it()
    {
        var tenant = await stack.CreateTenantAsync();
        await FailNextMediaLookupsAsync(tenant, 131016, 10);
        var messageId = await CustomerSendsImageAsync(tenant);

        var update = await MediaUpdateAsync(tenant, messageId);

        Assert.Equal(messageId, update.GetProperty("messageId").GetGuid());
        Assert.Equal("failed", update.GetProperty("media").GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'failed' and attempts = 3 and last_error like '%131016%'", messageId));
        Assert.Equal("failed", await stack.Database.ScalarAsync(tenant.Id, "select media_status from messages where id = $1", messageId));
        Assert.Equal(HttpStatusCode.Gone, (await DownloadAsync(tenant, messageId)).StatusCode);
    }

    [Fact]
    public async Task An_error_that_cannot_pass_fails_the_media_at_once()
    {
        var tenant = await stack.CreateTenantAsync();
        await FailNextMediaLookupsAsync(tenant, 100, 1); // invalid parameter: retrying cannot help
        var messageId = await CustomerSendsImageAsync(tenant);

        await MediaUpdateAsync(tenant, messageId);

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'failed' and attempts = 1", messageId));
    }

    [Fact]
    public async Task Another_tenants_media_is_404()
    {
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var messageId = await CustomerSendsImageAsync(tenant);
        await MediaUpdateAsync(tenant, messageId);

        Assert.Equal(HttpStatusCode.OK, (await DownloadAsync(tenant, messageId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DownloadAsync(other, messageId)).StatusCode);
    }

    [Fact]
    public async Task A_media_lookup_that_hangs_ends_failed_after_its_retries_never_pending()
    {
        var tenant = await stack.CreateTenantAsync();
        // Every attempt's lookup hangs (10 minutes): each is cut at Media:AttemptTimeout (4 s in the tests).
        (await stack.Simulator.Http.PostAsJsonAsync("/simulator/failures",
            new { code = 0, count = 3, phoneNumberId = tenant.PhoneNumberId, operation = "media", delay = "00:10:00" })).EnsureSuccessStatusCode();
        var messageId = await CustomerSendsImageAsync(tenant);

        var update = await MediaUpdateAsync(tenant, messageId, "failed");

        Assert.Equal("failed", update.GetProperty("media").GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from media_files where message_id = $1 and status = 'failed' and attempts = 3 and last_error like '%did not finish within%'", messageId));
        Assert.Equal("failed", await stack.Database.ScalarAsync(tenant.Id, "select media_status from messages where id = $1", messageId));
    }

    [Fact]
    public async Task Downloads_left_pending_by_a_dead_worker_are_sent_again_once_then_failed_in_every_tenant()
    {
        var first = await stack.CreateTenantAsync();
        var second = await stack.CreateTenantAsync();
        var retried = await CustomerSendsImageAsync(first);
        var abandoned = await CustomerSendsImageAsync(second);
        await MediaUpdateAsync(first, retried, "ready");
        await MediaUpdateAsync(second, abandoned, "ready");

        // As a Workers process that died mid-download leaves them: pending, no news for two hours (the second
        // already sent again once by the sweep).
        foreach (var (tenant, messageId, resubmitted) in new[] { (first, retried, false), (second, abandoned, true) })
        {
            await stack.Database.ExecuteAsync(tenant.Id, """
                update media_files set status = 'pending', storage_key = null, updated_at = now() - interval '2 hours',
                                       resubmitted_at = case when $2 then now() - interval '2 hours' end
                where message_id = $1
                """, messageId, resubmitted);
            await stack.Database.ExecuteAsync(tenant.Id, "update messages set media_status = 'pending' where id = $1", messageId);
        }

        var deadline = DateTime.UtcNow + Wait;
        while (await stack.Database.CountAsync(first.Id,
                   "select count(*) from media_files where message_id = $1 and status = 'ready' and resubmitted_at > now() - interval '1 minute'", retried) == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The download left pending was not sent again.");
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, (await DownloadAsync(first, retried)).StatusCode);

        var failed = await MediaUpdateAsync(second, abandoned, "failed");
        Assert.Equal(1, await stack.Database.CountAsync(second.Id,
            "select count(*) from media_files where message_id = $1 and status = 'failed' and last_error like '%did not finish%twice%'", abandoned));
        Assert.Equal("failed", await stack.Database.ScalarAsync(second.Id, "select media_status from messages where id = $1", abandoned));
        Assert.Equal(abandoned, failed.GetProperty("messageId").GetGuid());
    }
}
