using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Data;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>
/// Numbers are proven, not claimed: the Api asks Meta (here the simulator) with the access token given whether it
/// reaches the number in the WABA named, on create and whenever the number, WABA or token changes.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class NumberProofTests(InboxStack stack)
{
    private const string NotProven = "urn:inbox:problem:number-not-proven";

    /// <summary>A number Meta knows (owned by its own token, in its own WABA) that no tenant has registered.</summary>
    private (string Number, string Token, string Waba) UnregisteredNumber(string? display = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var number = "6" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        var (token, waba) = ("owner-token-" + suffix, "3" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999));
        stack.Simulator.Register(number, token, waba, display);
        return (number, token, waba);
    }

    private static object Body(string number, string waba, string token) =>
        new { name = "Claimed", phoneNumberId = number, wabaId = waba, accessToken = token };

    private static async Task AssertNotProvenAsync(HttpResponseMessage response, string field)
    {
        var problem = await Agent.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, NotProven);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"No error for '{field}': {problem}");
        Assert.Single(errors.EnumerateObject());
    }

    private Task<long> ChannelsAsync(Guid tenantId, string number) =>
        stack.Database.CountAsync(tenantId, "select count(*) from channels where phone_number_id = $1", number);

    [Fact]
    public async Task A_token_that_does_not_own_the_number_is_422_naming_phoneNumberId_and_nothing_is_stored()
    {
        var attacker = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(attacker);
        var (number, _, waba) = UnregisteredNumber();

        // The attacker's own, real token (it reaches the attacker's number) does not reach someone else's.
        await AssertNotProvenAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", Body(number, waba, attacker.AccessToken)),
            "phoneNumberId");
        Assert.Equal(0, await ChannelsAsync(attacker.Id, number));
        Assert.DoesNotContain((await owner.AuditAsync()), row => row.GetProperty("action").GetString() == "channel.created");

        // Nor another tenant's registered number: refused the same way, so it does not even learn it is registered.
        var victim = await stack.CreateTenantAsync();
        await AssertNotProvenAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            Body(victim.PhoneNumberId, victim.WabaId, attacker.AccessToken)), "phoneNumberId");
        Assert.Equal(0, await ChannelsAsync(attacker.Id, victim.PhoneNumberId));
        Assert.Equal(1, await ChannelsAsync(victim.Id, victim.PhoneNumberId));
    }

    [Fact]
    public async Task An_unknown_token_is_422_naming_accessToken()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var (number, _, waba) = UnregisteredNumber();
        await AssertNotProvenAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", Body(number, waba, "EAAG-made-up-token")),
            "accessToken");
        Assert.Equal(0, await ChannelsAsync(tenant.Id, number));
    }

    [Fact]
    public async Task A_WABA_that_does_not_hold_the_number_is_422_naming_wabaId()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var (number, token, _) = UnregisteredNumber();
        // The same token owns a number in a second WABA: it reaches that WABA, which does not hold the first number.
        var (_, _, otherWaba) = UnregisteredNumber();
        var second = "5" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        stack.Simulator.Register(second, token, otherWaba);

        await AssertNotProvenAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", Body(number, otherWaba, token)), "wabaId");
        await AssertNotProvenAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", Body(number, "999999999", token)), "wabaId");
        Assert.Equal(0, await ChannelsAsync(tenant.Id, number));
    }

    [Fact]
    public async Task A_proven_number_is_201_with_the_display_number_Meta_gives()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var (number, token, waba) = UnregisteredNumber("15557654321");

        var created = await owner.PostJsonAsync("/api/admin/channels", Body(number, waba, token), HttpStatusCode.Created);
        Assert.Equal("15557654321", created.GetProperty("displayPhoneNumber").GetString()); // Meta: "+1 555-765-4321"
        Assert.Equal((number, waba), (created.GetProperty("phoneNumberId").GetString(), created.GetProperty("wabaId").GetString()));
        Assert.Equal(1, await ChannelsAsync(tenant.Id, number));
    }

    [Fact]
    public async Task A_change_to_a_token_or_number_that_does_not_check_out_is_422_and_the_old_values_stay()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var (number, token, waba) = UnregisteredNumber();
        var id = (await owner.PostJsonAsync("/api/admin/channels", Body(number, waba, token), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        await AssertNotProvenAsync(await owner.PatchAsync($"/api/admin/channels/{id}", new { accessToken = "EAAG-wrong", name = "Renamed" }),
            "accessToken");
        // Another real token (another tenant's) is no better.
        var other = await stack.CreateTenantAsync();
        await AssertNotProvenAsync(await owner.PatchAsync($"/api/admin/channels/{id}", new { accessToken = other.AccessToken }), "phoneNumberId");
        // Moving the channel to a number its token does not reach, or to another WABA, with the token kept.
        var (elsewhere, _, elsewhereWaba) = UnregisteredNumber();
        await AssertNotProvenAsync(await owner.PatchAsync($"/api/admin/channels/{id}", new { phoneNumberId = elsewhere }), "phoneNumberId");
        await AssertNotProvenAsync(await owner.PatchAsync($"/api/admin/channels/{id}", new { wabaId = elsewhereWaba }), "wabaId");

        var channel = await owner.GetJsonAsync($"/api/admin/channels/{id}");
        Assert.Equal((number, waba, "Claimed"), (channel.GetProperty("phoneNumberId").GetString(), channel.GetProperty("wabaId").GetString(),
            channel.GetProperty("name").GetString()));
        var protector = new SecretProtector(Environment.GetEnvironmentVariable("Secrets__Key")!);
        var sealedToken = (byte[])(await stack.Database.ScalarAsync(tenant.Id, "select access_token_encrypted from channels where id = $1", id))!;
        Assert.Equal(token, protector.Unprotect(sealedToken));

        // A token Meta confirms is taken.
        stack.Simulator.Register(number, "rotated-" + token, waba);
        Assert.Equal("Renamed", (await Agent.ReadAsync(await owner.PatchAsync($"/api/admin/channels/{id}",
            new { accessToken = "rotated-" + token, name = "Renamed" }), HttpStatusCode.OK)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_Graph_API_outage_is_503_and_nothing_is_stored()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var (number, token, waba) = UnregisteredNumber();
        (await stack.Simulator.Http.PostAsJsonAsync("/simulator/failures",
            new { code = 131016, httpStatus = 503, phoneNumberId = number, operation = "number" })).EnsureSuccessStatusCode();

        var problem = await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", Body(number, waba, token)),
            HttpStatusCode.ServiceUnavailable, "urn:inbox:problem:graph-unavailable");
        Assert.Contains("nothing was stored", problem.GetProperty("detail").GetString());
        Assert.Equal(0, await ChannelsAsync(tenant.Id, number));
        // Once Meta answers again the same request goes through.
        await owner.PostJsonAsync("/api/admin/channels", Body(number, waba, token), HttpStatusCode.Created);
    }
}
