using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Inbox.Tests.Simulator.Infrastructure;

namespace Inbox.Tests.Simulator;

/// <summary>Media upload, lookup and download, with the Cloud API's token, User-Agent and expiry rules.</summary>
public sealed class MediaTests
{
    private static readonly byte[] Picture = SampleImages.Png(200, 30, 90);

    [Fact]
    public async Task An_upload_is_looked_up_and_downloaded_with_the_token_and_a_user_agent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var id = await UploadAsync(sim, Picture, "image/png");
        var lookupResponse = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.Token);
        var raw = await lookupResponse.Content.ReadAsStringAsync();
        var lookup = JsonDocument.Parse(raw).RootElement;

        Assert.Equal("whatsapp", lookup.GetProperty("messaging_product").GetString());
        Assert.Equal(id, lookup.GetProperty("id").GetString());
        Assert.Equal("image/png", lookup.GetProperty("mime_type").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Picture)), lookup.GetProperty("sha256").GetString());
        Assert.Equal(Picture.Length, lookup.GetProperty("file_size").GetInt64());
        Assert.Contains(@"http:\/\/", raw); // Graph answers are escaped like webhooks

        var download = await DownloadAsync(sim, lookup.GetProperty("url").GetString()!, SimulatorHost.Token, "Inbox-Tests/1.0");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Picture, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_download_without_the_token_is_401_and_without_a_user_agent_is_403()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var url = await LookupUrlAsync(sim, await UploadAsync(sim, Picture, "image/png"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await DownloadAsync(sim, url, null, "Inbox-Tests/1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DownloadAsync(sim, url, SimulatorHost.OtherToken, "Inbox-Tests/1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await DownloadAsync(sim, url, SimulatorHost.Token, userAgent: null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DownloadAsync(sim, url, SimulatorHost.Token, "Inbox-Tests/1.0")).StatusCode);
    }

    [Fact]
    public async Task A_download_url_stops_working_after_five_minutes_and_a_new_lookup_gives_a_fresh_one()
    {
        var clock = new ShiftableClock();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, clock: clock);
        var id = await UploadAsync(sim, Picture, "image/png");
        var url = await LookupUrlAsync(sim, id);

        clock.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(HttpStatusCode.NotFound, (await DownloadAsync(sim, url, SimulatorHost.Token, "Inbox-Tests/1.0")).StatusCode);
        var fresh = await LookupUrlAsync(sim, id);
        Assert.Equal(HttpStatusCode.OK, (await DownloadAsync(sim, fresh, SimulatorHost.Token, "Inbox-Tests/1.0")).StatusCode);
    }

    [Fact]
    public async Task A_forged_download_url_is_404()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var url = await LookupUrlAsync(sim, await UploadAsync(sim, Picture, "image/png"));

        var forged = url.Replace("&ext=", "&ext=9", StringComparison.Ordinal); // a later expiry, same hash
        Assert.Equal(HttpStatusCode.NotFound, (await DownloadAsync(sim, forged, SimulatorHost.Token, "Inbox-Tests/1.0")).StatusCode);
    }

    [Fact]
    public async Task A_media_id_is_visible_only_with_its_own_numbers_token()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var id = await UploadAsync(sim, Picture, "image/png");

        var otherNumber = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.OtherToken);
        Assert.Equal(33, (await GraphErrors.ReadAsync(otherNumber, 100)).GetProperty("error_subcode").GetInt32());
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}?phone_number_id={SimulatorHost.OtherNumberId}", SimulatorHost.Token), 100);
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, "/v24.0/999999999999999", SimulatorHost.Token), 100);
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", token: null), 190);
        Assert.Equal(HttpStatusCode.OK,
            (await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}?phone_number_id={SimulatorHost.NumberId}", SimulatorHost.Token)).StatusCode);
    }

    [Fact]
    public async Task Deleted_media_can_no_longer_be_looked_up()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var id = await UploadAsync(sim, Picture, "image/png");

        var deleted = await sim.GraphAsync(HttpMethod.Delete, $"/v24.0/{id}", SimulatorHost.Token);
        Assert.True(JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.Token), 100);
    }

    [Theory]
    [InlineData(null, "image/png", true, "messaging_product")]
    [InlineData("whatsapp", null, true, "type")]
    [InlineData("whatsapp", "image/png", false, "file")]
    [InlineData("whatsapp", "application/x-msdownload", true, "types")]
    public async Task An_upload_without_its_fields_or_of_an_unsupported_type_is_error_100(
        string? product, string? type, bool withFile, string named)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        using var form = new MultipartFormDataContent();
        if (product is not null) form.Add(new StringContent(product), "messaging_product");
        if (type is not null) form.Add(new StringContent(type), "type");
        if (withFile) form.Add(new ByteArrayContent(Picture), "file", "a.png");

        var response = await Upload(sim, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GraphErrors.ReadAsync(response, 100);
        Assert.Contains(named, error.GetProperty("error_data").GetProperty("details").GetString() + error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_upload_needs_the_numbers_token()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        using var form = UploadForm(Picture, "image/png");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v24.0/{SimulatorHost.NumberId}/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");

        await GraphErrors.ReadAsync(await sim.Http.SendAsync(request), 190);
    }

    [Fact]
    public async Task A_customers_image_is_served_with_the_sha256_its_webhook_announced()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var wamid = await sim.CustomerWritesAsync("15551230044", type: "image", text: "the box");
        await receiver.WaitForAsync(r => r.Messages.Any(m => m.Message.GetProperty("id").GetString() == wamid), "the image message");
        var image = receiver.Messages.Single(m => m.Message.GetProperty("id").GetString() == wamid).Message.GetProperty("image");
        Assert.Equal("the box", image.GetProperty("caption").GetString());

        var lookup = JsonDocument.Parse(await (await sim.GraphAsync(HttpMethod.Get,
            $"/v24.0/{image.GetProperty("id").GetString()}?phone_number_id={SimulatorHost.NumberId}", SimulatorHost.Token))
            .Content.ReadAsStringAsync()).RootElement;
        var bytes = await (await DownloadAsync(sim, lookup.GetProperty("url").GetString()!, SimulatorHost.Token, "Inbox-Tests/1.0"))
            .Content.ReadAsByteArrayAsync();

        Assert.Equal(image.GetProperty("mime_type").GetString(), lookup.GetProperty("mime_type").GetString());
        Assert.Equal(image.GetProperty("sha256").GetString(), Convert.ToBase64String(SHA256.HashData(bytes)));
        Assert.Equal(lookup.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static MultipartFormDataContent UploadForm(byte[] bytes, string type)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(type), "type" },
        };
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        form.Add(file, "file", "upload.bin");
        return form;
    }

    private static Task<HttpResponseMessage> Upload(SimulatorHost sim, MultipartFormDataContent form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v24.0/{SimulatorHost.NumberId}/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SimulatorHost.Token);
        return sim.Http.SendAsync(request);
    }

    private static async Task<string> UploadAsync(SimulatorHost sim, byte[] bytes, string type)
    {
        using var form = UploadForm(bytes, type);
        var response = await Upload(sim, form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9]{15,16}$", id);
        return id;
    }

    private static async Task<string> LookupUrlAsync(SimulatorHost sim, string id)
    {
        var response = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.Token);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("url").GetString()!;
    }

    /// <summary>HttpClient sends no User-Agent unless told, like the clients that got bitten by this.</summary>
    private static Task<HttpResponseMessage> DownloadAsync(SimulatorHost sim, string url, string? token, string? userAgent)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (userAgent is not null) request.Headers.UserAgent.ParseAdd(userAgent);
        return sim.Http.SendAsync(request);
    }

    [Fact]
    public async Task A_media_failure_with_a_delay_holds_the_lookup_back_then_answers_normally()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var id = await UploadAsync(sim, Picture, "image/png");
        var refused = await sim.Http.PostAsync("/simulator/failures", new StringContent(
            """{"code":0,"operation":"media"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // no code and no delay: nothing to inject
        (await sim.Http.PostAsync("/simulator/failures", new StringContent(
            """{"code":0,"count":1,"operation":"media","delay":"00:00:01.500"}""", System.Text.Encoding.UTF8, "application/json")))
            .EnsureSuccessStatusCode();

        var slow = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.Token)).StatusCode);
        Assert.True(slow.Elapsed >= TimeSpan.FromSeconds(1.4), $"Answered after {slow.Elapsed}.");
        var next = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{id}", SimulatorHost.Token)).StatusCode);
        Assert.True(next.Elapsed < TimeSpan.FromSeconds(1.4), "Only the planned lookup is held back.");
    }
}
