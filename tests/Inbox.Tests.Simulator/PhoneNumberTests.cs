using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;

namespace Inbox.Tests.Simulator;

/// <summary>
/// GET /{version}/{phone-number-id} and GET /{version}/{waba-id}/phone_numbers: a number, as Meta shows it, only to
/// the token that owns it — what the Api proves numbers with.
/// </summary>
public sealed class PhoneNumberTests
{
    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task The_owning_token_sees_the_number_node_as_Meta_shows_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var node = await OkAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.NumberId}", SimulatorHost.Token));
        Assert.Equal(SimulatorHost.NumberId, node.GetProperty("id").GetString());
        Assert.Equal("+1 555-000-1111", node.GetProperty("display_phone_number").GetString()); // webhooks: "15550001111"
        Assert.False(string.IsNullOrEmpty(node.GetProperty("verified_name").GetString()));
        Assert.Equal(("VERIFIED", "GREEN", "CLOUD_API", "STANDARD"), (node.GetProperty("code_verification_status").GetString(),
            node.GetProperty("quality_rating").GetString(), node.GetProperty("platform_type").GetString(),
            node.GetProperty("throughput").GetProperty("level").GetString()));

        // ?fields= picks fields; id always comes along; an unknown field is Meta's 100.
        var picked = await OkAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.NumberId}?fields=verified_name,display_phone_number", SimulatorHost.Token));
        Assert.Equal(["verified_name", "display_phone_number", "id"], picked.EnumerateObject().Select(p => p.Name));
        var unknown = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.NumberId}?fields=id,owner_secret", SimulatorHost.Token);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("owner_secret", (await GraphErrors.ReadAsync(unknown, 100)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task No_or_an_unknown_token_is_190_and_another_numbers_token_is_100_subcode_33()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var path = $"/v24.0/{SimulatorHost.NumberId}";

        foreach (var token in new[] { null, "EAAG-made-up" })
        {
            var refused = await sim.GraphAsync(HttpMethod.Get, path, token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            await GraphErrors.ReadAsync(refused, 190);
        }
        var other = await sim.GraphAsync(HttpMethod.Get, path, SimulatorHost.OtherToken);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        var error = await GraphErrors.ReadAsync(other, 100);
        Assert.Equal(33, error.GetProperty("error_subcode").GetInt32());
        Assert.Contains(SimulatorHost.NumberId, error.GetProperty("message").GetString());
        // A number nobody has: the same answer (an id that does not exist looks like one the token cannot see).
        var missing = await sim.GraphAsync(HttpMethod.Get, "/v24.0/100000000000999", SimulatorHost.Token);
        Assert.Equal(33, (await GraphErrors.ReadAsync(missing, 100)).GetProperty("error_subcode").GetInt32());
    }

    [Fact]
    public async Task A_WABA_lists_its_numbers_to_their_token_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var list = await OkAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.WabaId}/phone_numbers", SimulatorHost.Token));
        Assert.Equal([SimulatorHost.NumberId], list.GetProperty("data").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        Assert.Equal("+1 555-000-1111", list.GetProperty("data")[0].GetProperty("display_phone_number").GetString());
        Assert.Equal(JsonValueKind.Object, list.GetProperty("paging").GetProperty("cursors").ValueKind);

        var otherWaba = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.OtherWabaId}/phone_numbers", SimulatorHost.Token);
        Assert.Equal(33, (await GraphErrors.ReadAsync(otherWaba, 100)).GetProperty("error_subcode").GetInt32());
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.WabaId}/phone_numbers", "EAAG-made-up"), 190);
    }

    [Fact]
    public async Task A_number_added_through_the_control_API_is_seen_by_its_token_and_a_new_token_replaces_the_old()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        (await sim.Http.PostAsJsonAsync("/simulator/numbers", new
        {
            phoneNumberId = "100000000000777", accessToken = "token-777", wabaId = "200000000000777", displayPhoneNumber = "4930123456",
            verifiedName = "Bäckerei Beispiel",
        })).EnsureSuccessStatusCode();
        var node = await OkAsync(await sim.GraphAsync(HttpMethod.Get, "/v24.0/100000000000777", "token-777"));
        Assert.Equal(("+4930123456", "Bäckerei Beispiel"), (node.GetProperty("display_phone_number").GetString(), node.GetProperty("verified_name").GetString()));
        var list = await OkAsync(await sim.GraphAsync(HttpMethod.Get, "/v24.0/200000000000777/phone_numbers", "token-777"));
        Assert.Equal("100000000000777", list.GetProperty("data")[0].GetProperty("id").GetString());

        (await sim.Http.PostAsJsonAsync("/simulator/numbers", new { phoneNumberId = "100000000000777", accessToken = "token-777-rotated", wabaId = "200000000000777" }))
            .EnsureSuccessStatusCode();
        await OkAsync(await sim.GraphAsync(HttpMethod.Get, "/v24.0/100000000000777", "token-777-rotated"));
        await GraphErrors.ReadAsync(await sim.GraphAsync(HttpMethod.Get, "/v24.0/100000000000777", "token-777"), 190);
    }

    [Fact]
    public async Task A_number_lookup_can_be_made_to_fail_and_media_ids_still_resolve_on_the_same_route()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        await Control.FailNextAsync(sim, new { code = 131016, httpStatus = 503, phoneNumberId = SimulatorHost.NumberId, operation = "number" });
        var failed = await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.NumberId}", SimulatorHost.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        await GraphErrors.ReadAsync(failed, 131016);
        await OkAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{SimulatorHost.NumberId}", SimulatorHost.Token)); // one failure only

        // A media id (also a numeric id) is still a media lookup.
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent("image/png"), "type" },
            { new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new("image/png") } }, "file", "a.png" },
        };
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v24.0/{SimulatorHost.NumberId}/media") { Content = form };
        upload.Headers.Authorization = new("Bearer", SimulatorHost.Token);
        var mediaId = (await OkAsync(await sim.Http.SendAsync(upload))).GetProperty("id").GetString();
        var media = await OkAsync(await sim.GraphAsync(HttpMethod.Get, $"/v24.0/{mediaId}", SimulatorHost.Token));
        Assert.Equal(("image/png", mediaId), (media.GetProperty("mime_type").GetString(), media.GetProperty("id").GetString()));
    }
}
