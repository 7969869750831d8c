using System.Diagnostics;
using System.Net;
using System.Text;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WebhookIngest;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration;

/// <summary>Whatever Meta sends, nothing is lost, duplicated or corrupted, and one bad item never fails the batch.</summary>
[Collection(StackCollection.Name)]
public sealed class IngestRobustnessTests(InboxStack stack)
{
    private async Task<HttpStatusCode> PostAsync(string envelope) =>
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(envelope))).StatusCode;

    private static string Text(string from, string wamid, string bodyJson, string timestampJson = "\"1763780000\"") =>
        $"{{\"from\":\"{from}\",\"id\":\"{wamid}\",\"timestamp\":{timestampJson},\"type\":\"text\",\"text\":{{\"body\":{bodyJson}}}}}";

    [Fact]
    public async Task NUL_characters_lone_surrogates_numeric_timestamps_and_unknown_fields_are_cleaned_not_fatal()
    {
        var tenant = await stack.CreateTenantAsync();
        string[] wamids = [Webhooks.NewWamid(), Webhooks.NewWamid(), Webhooks.NewWamid(), Webhooks.NewWamid()];
        var messages = new[]
        {
            Text("491700000001", wamids[0], "\"a\\u0000b\""),
            Text("491700000001", wamids[1], "\"broken \\ud83d half\""),
            Text("491700000001", wamids[2], "\"numeric time\"", "1763780123"),
            Text("491700000001", wamids[3], "\"extra\"").Replace("\"type\":\"text\"", "\"type\":\"text\",\"brand_new_field\":{\"x\":[1]}"),
        };

        Assert.Equal(HttpStatusCode.OK, await PostAsync(Fixtures.Envelope([Fixtures.Change(tenant.PhoneNumberId, Fixtures.Contact("491700000001", "Zoe"), messages)])));

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1 and text = 'ab'", wamids[0]));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1 and text = 'broken \uFFFD half'", wamids[1]));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where wamid = $1 and sent_at = to_timestamp(1763780123)", wamids[2]));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where wamid = $1 and payload->'brand_new_field'->'x'->>0 = '1'", wamids[3]));
    }

    [Fact]
    public async Task A_batch_mixing_tenants_known_and_unknown_numbers_messages_and_statuses_routes_each_change()
    {
        var a = await stack.CreateTenantAsync();
        var b = await stack.CreateTenantAsync();
        var toA = Webhooks.NewWamid();
        var toB = Webhooks.NewWamid();
        var lost = Webhooks.NewWamid();
        var envelope = Fixtures.Envelope(
            [Fixtures.Change(a.PhoneNumberId, Fixtures.Contact("491700000002", "Ann"), [Text("491700000002", toA, "\"for A\"")])],
            [
                Fixtures.Change("000000000000", Fixtures.Contact("491700000003", "Nobody"), [Text("491700000003", lost, "\"for nobody\"")]),
                Fixtures.Change(b.PhoneNumberId, Fixtures.Contact("491700000002", "Ann"), [Text("491700000002", toB, "\"for B\"")],
                    [Fixtures.Status("read", new Dictionary<string, string> { ["$WAMID"] = "wamid.unknown-out", ["$FROM"] = "1" })]),
            ]);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(envelope));

        Assert.Equal(1, await stack.Database.CountAsync(a.Id, "select count(*) from messages where text = 'for A'"));
        Assert.Equal(0, await stack.Database.CountAsync(a.Id, "select count(*) from messages where text = 'for B'"));
        Assert.Equal(1, await stack.Database.CountAsync(b.Id, "select count(*) from messages where text = 'for B'"));
        Assert.Equal(1, await stack.Database.CountAsync(b.Id, "select count(*) from pending_statuses"));
        Assert.Equal(0, await stack.Database.CountAsync(a.Id, "select count(*) from pending_statuses"));
        Assert.Equal(1, await stack.Database.CountAsync(null, """
            select count(*) from webhook_ledger where position(convert_to($1, 'UTF8') in body) > 0
              and outcome = 'routed' and detail->'unknownNumbers' ? '000000000000' and (detail->>'stored')::int = 2
            """, lost));
    }

    [Fact]
    public async Task A_3_MB_payload_with_1000_items_is_stored_completely()
    {
        var tenant = await stack.CreateTenantAsync();
        var padding = new string('x', 2800); // Meta caps a POST at 1,000 updates and 3 MB
        var messages = Enumerable.Range(0, 1000)
            .Select(i => Text($"4917{i % 50:D8}", $"wamid.BULK{tenant.Slug}{i:D4}", $"\"item {i} {padding}\""))
            .ToList();
        var contacts = "[" + string.Join(',', Enumerable.Range(0, 50).Select(i => $"{{\"profile\":{{\"name\":\"C{i}\"}},\"wa_id\":\"4917{i:D8}\"}}")) + "]";
        var envelope = Fixtures.Envelope([Fixtures.Change(tenant.PhoneNumberId, contacts, messages)]);
        Assert.InRange(Encoding.UTF8.GetByteCount(envelope), 2_900_000, WebhookSettings.MaxBodyBytes);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(envelope));

        Assert.Equal(1000, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages"));
        Assert.Equal(50, await stack.Database.CountAsync(tenant.Id, "select count(*) from conversations"));
        Assert.Equal(1000, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where message_type like '%.MessageReceived'"));
    }

    [Fact]
    public async Task Replaying_a_range_of_the_ledger_creates_no_duplicates_and_routes_what_was_unknown()
    {
        var tenant = await stack.CreateTenantAsync();
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var known = Webhooks.NewWamid();
        await PostAsync(Fixtures.Envelope([Fixtures.Change(tenant.PhoneNumberId, Fixtures.Contact("491700000009", "Rae"), [Text("491700000009", known, "\"hello\"")])]));
        // A number the tenant adds only after its first webhooks arrived.
        var lateNumber = "8" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999);
        var early = Webhooks.NewWamid();
        await PostAsync(Fixtures.Envelope([Fixtures.Change(lateNumber, Fixtures.Contact("491700000010", "Sam"), [Text("491700000010", early, "\"too early\"")])]));
        await stack.Database.ScalarAsync(tenant.Id, """
            insert into channels (id, tenant_id, phone_number_id, waba_id, display_phone_number) values ($1, $2, $3, 'waba', '1555')
            """, Guid.CreateVersion7(), tenant.Id, lateNumber);
        var to = DateTimeOffset.UtcNow.AddSeconds(1);

        await using var scope = stack.Ingest.Services.CreateAsyncScope();
        var replay = scope.ServiceProvider.GetRequiredService<LedgerReplay>();
        var first = await replay.ReplayAsync(from, to, CancellationToken.None);
        var second = await replay.ReplayAsync(from, to, CancellationToken.None);

        Assert.True(first.Envelopes >= 2);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", known));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", early));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where payload->'message'->>'wamid' = $1", early));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where payload->'message'->>'wamid' = $1", known));
        Assert.Equal(0, second.Stored);
        Assert.Equal(2, await stack.Database.CountAsync(null,
            "select replay_count from webhook_ledger where position(convert_to($1, 'UTF8') in body) > 0", early));
    }

    [Fact]
    public async Task The_replay_command_line_reprocesses_a_range()
    {
        var manage = Path.Combine(AppContext.BaseDirectory, "Inbox.Manage.dll");
        var start = new ProcessStartInfo("dotnet", [manage, "replay", "--from", DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), "--to", DateTimeOffset.UtcNow.ToString("O")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        Assert.Matches(@"Replayed \d+ envelopes", output);
    }
}
