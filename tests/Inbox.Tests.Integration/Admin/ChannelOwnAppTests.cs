using System.Net;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WebhookIngest;
using Inbox.WhatsApp;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>
    /// The attack of issue 19: an admin with numbers on its own app names another tenant's number after its own,
    /// in a change past however many its own numbers fill, or repeated — and is refused with nothing stored.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(10, 1)]
    [InlineData(11, 1)]
    [InlineData(3, 12)]
    public async Task A_webhook_naming_another_tenants_number_after_own_numbers_is_refused_whole(int ownNumbers, int repeats)
    {
        var (tenant, numbers, appSecret) = await OwnAppNumbersAsync(ownNumbers);
        var victim = await stack.CreateTenantAsync();
        var cover = numbers.SelectMany(_ => Enumerable.Range(0, repeats)).Select((_, i) => numbers[i % numbers.Length])
            .Select(number => (Number: number, Item: new TextItem("4917100000041", "Mallory", Webhooks.NewWamid(), "cover"))).ToList();
        var forged = new TextItem("4917100000042", "Mallory", Webhooks.NewWamid(), "forged into the victim");
        var changes = cover.Select(c => Webhooks.TextChange(c.Number, c.Item))
            .Append(Webhooks.TextChange(victim.PhoneNumberId, forged)).ToArray();

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope(changes), appSecret));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await stack.Database.CountAsync(victim.Id, MessagesWithWamid, forged.Wamid));
        Assert.Equal(0, await stack.Database.LedgerRowsContainingAsync(forged.Wamid));
        foreach (var (_, item) in cover)
            Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, item.Wamid));
    }

    [Fact]
    public async Task Eleven_own_numbers_signed_with_their_app_are_all_stored()
    {
        var (tenant, numbers, appSecret) = await OwnAppNumbersAsync(11);
        var items = numbers.Select(n => (Number: n, Item: new TextItem("4917100000043", "Customer", Webhooks.NewWamid(), "hi"))).ToList();

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(
            Webhooks.Envelope(items.Select(i => Webhooks.TextChange(i.Number, i.Item)).ToArray()), appSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var (_, item) in items)
            Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, item.Wamid));
    }

    [Fact]
    public async Task Numbers_of_two_apps_in_one_webhook_are_refused_whichever_app_signed()
    {
        var (tenant, first, firstSecret) = await OwnAppNumbersAsync(1);
        var owner = await stack.OwnerAsync(tenant);
        var (second, secondSecret) = await AddOwnAppNumberAsync(owner);
        var (a, b) = (new TextItem("4917100000044", "C", Webhooks.NewWamid(), "a"), new TextItem("4917100000045", "C", Webhooks.NewWamid(), "b"));
        var body = Webhooks.Envelope([Webhooks.TextChange(first[0], a), Webhooks.TextChange(second, b)]);

        var byFirst = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body, firstSecret));
        var bySecond = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body, secondSecret));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (byFirst.StatusCode, bySecond.StatusCode));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = any($1)", (object)new[] { a.Wamid, b.Wamid }));
    }

    /// <summary>
    /// The ingestor itself holds the line, whatever the edge decided: a change for a number outside the signature's
    /// scope is rejected alone and the signed number's change is stored.
    /// </summary>
    [Fact]
    public async Task The_ingestor_stores_only_changes_of_numbers_the_signature_covers()
    {
        var (tenant, numbers, _) = await OwnAppNumbersAsync(1);
        var victim = await stack.CreateTenantAsync();
        var (own, forged) = (new TextItem("4917100000046", "C", Webhooks.NewWamid(), "own"), new TextItem("4917100000047", "M", Webhooks.NewWamid(), "forged"));
        var body = System.Text.Encoding.UTF8.GetBytes(Webhooks.Envelope([Webhooks.TextChange(numbers[0], own), Webhooks.TextChange(victim.PhoneNumberId, forged)]));

        await using (var scope = stack.Ingest.Services.CreateAsyncScope())
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            var report = await scope.ServiceProvider.GetRequiredService<WebhookIngestor>()
                .IngestAsync(body, "sha256=test", SignatureScope.OnlyNumbers(numbers), document.RootElement, CancellationToken.None);
            Assert.Equal((1, 1), (report.Stored, report.Rejected.Count));
        }
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, own.Wamid));
        Assert.Equal(0, await stack.Database.CountAsync(victim.Id, MessagesWithWamid, forged.Wamid));
    }

    /// <summary>An envelope already in the ledger (as the hole left them) replays no further than its signature reaches.</summary>
    [Fact]
    public async Task Replay_never_routes_a_ledger_envelope_past_its_signature()
    {
        var (_, numbers, appSecret) = await OwnAppNumbersAsync(1);
        var victim = await stack.CreateTenantAsync();
        var forged = new TextItem("4917100000048", "M", Webhooks.NewWamid(), "forged, replayed");
        var body = System.Text.Encoding.UTF8.GetBytes(Webhooks.Envelope([Webhooks.TextChange(numbers[0], new TextItem("4917100000049", "M", Webhooks.NewWamid(), "cover")), Webhooks.TextChange(victim.PhoneNumberId, forged)]));
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        await stack.Database.ScalarAsync(null, "insert into webhook_ledger (outcome, signature, body) values ('routed', $1, $2)",
            WebhookSignature.Sign(body, appSecret), body);

        await using var scope = stack.Ingest.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LedgerReplay>().ReplayAsync(from, DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);

        Assert.Equal(0, await stack.Database.CountAsync(victim.Id, MessagesWithWamid, forged.Wamid));
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

    /// <summary>A tenant whose owner adds this many numbers, all on one own app (one app secret).</summary>
    private async Task<(TestTenant Tenant, string[] Numbers, string AppSecret)> OwnAppNumbersAsync(int count)
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var appSecret = "own-app-secret-" + Guid.NewGuid().ToString("N");
        var numbers = new string[count];
        for (var i = 0; i < count; i++) (numbers[i], _) = await AddOwnAppNumberAsync(owner, appSecret);
        return (tenant, numbers, appSecret);
    }

    private async Task<(string Number, string AppSecret)> AddOwnAppNumberAsync(Agent owner, string? appSecret = null)
    {
        var number = "7" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        appSecret ??= "own-app-secret-" + Guid.NewGuid().ToString("N");
        var created = await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", stack.NewChannel(phoneNumberId: number, appSecret: appSecret));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (number, appSecret);
    }

    /// <summary>A tenant whose owner adds a number with its own app secret and verify token.</summary>
    private async Task<(TestTenant Tenant, string Number, string AppSecret, string VerifyToken)> OwnAppNumberAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var number = "7" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        var (appSecret, verifyToken) = ("own-app-secret-" + Guid.NewGuid().ToString("N"), "own-verify-" + Guid.NewGuid().ToString("N"));
        var created = await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            stack.NewChannel(phoneNumberId: number, appSecret: appSecret, verifyToken: verifyToken));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (tenant, number, appSecret, verifyToken);
    }
}
