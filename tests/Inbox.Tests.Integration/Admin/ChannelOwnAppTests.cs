using System.Net;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration.Admin;

/// <summary>
/// A number on its tenant's own Meta app: its webhooks are signed with that app's secret and its handshake uses its
/// own verify token — and neither ever vouches for another tenant's number.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ChannelOwnAppTests(InboxStack stack)
{
    private const string MessagesWithWamid = "select count(*) from messages where wamid = $1";

    [Fact]
    public async Task A_webhook_signed_with_the_numbers_own_app_secret_is_stored()
    {
        var (tenant, number, appSecret, _) = await OwnAppNumberAsync();
        var item = new TextItem("4917100000031", "Customer", Webhooks.NewWamid(), "via our own app");

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(number, item)]), appSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, item.Wamid));
    }

    [Fact]
    public async Task One_tenants_app_secret_never_signs_for_another_tenants_number()
    {
        var (tenant, number, appSecret, _) = await OwnAppNumberAsync();
        var victim = await stack.CreateTenantAsync();
        var intoVictim = new TextItem("4917100000032", "Mallory", Webhooks.NewWamid(), "forged");
        var intoBoth = new TextItem("4917100000033", "Mallory", Webhooks.NewWamid(), "forged too");
        var own = new TextItem("4917100000034", "Mallory", Webhooks.NewWamid(), "cover");

        var alone = await stack.Ingest.Http.SendAsync(Webhooks.Signed(
            Webhooks.Envelope([Webhooks.TextChange(victim.PhoneNumberId, intoVictim)]), appSecret));
        var mixed = await stack.Ingest.Http.SendAsync(Webhooks.Signed(
            Webhooks.Envelope([Webhooks.TextChange(number, own), Webhooks.TextChange(victim.PhoneNumberId, intoBoth)]), appSecret));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (alone.StatusCode, mixed.StatusCode));
        foreach (var wamid in new[] { intoVictim.Wamid, intoBoth.Wamid })
            Assert.Equal(0, await stack.Database.CountAsync(victim.Id, MessagesWithWamid, wamid));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, own.Wamid));
    }

    [Fact]
    public async Task The_handshake_accepts_a_numbers_own_verify_token_and_nothing_else()
    {
        var (_, _, _, verifyToken) = await OwnAppNumberAsync();

        var own = await stack.Ingest.Http.GetAsync($"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={verifyToken}&hub.challenge=4711");
        var wrong = await stack.Ingest.Http.GetAsync($"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={verifyToken}x&hub.challenge=4711");

        Assert.Equal((HttpStatusCode.OK, "4711"), (own.StatusCode, await own.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
    }

    /// <summary>A tenant whose owner adds a number with its own app secret and verify token.</summary>
    private async Task<(TestTenant Tenant, string Number, string AppSecret, string VerifyToken)> OwnAppNumberAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var number = "7" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        var (appSecret, verifyToken) = ("own-app-secret-" + Guid.NewGuid().ToString("N"), "own-verify-" + Guid.NewGuid().ToString("N"));
        var created = await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            AdminSteps.NewChannel(phoneNumberId: number, appSecret: appSecret, verifyToken: verifyToken));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (tenant, number, appSecret, verifyToken);
    }
}
