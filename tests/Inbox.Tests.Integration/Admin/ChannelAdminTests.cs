using System.Net;
using System.Text.Json;
using Inbox.Data;
using Inbox.Tests.Integration.Infrastructure;
using Npgsql;

namespace Inbox.Tests.Integration.Admin;

/// <summary>WhatsApp numbers: secrets sealed and never returned, disabling, and each number's health.</summary>
[Collection(StackCollection.Name)]
public sealed class ChannelAdminTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Secrets_are_stored_sealed_never_returned_and_never_in_plain_text_anywhere_in_the_database()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var marker = Guid.NewGuid().ToString("N");
        var (accessToken, appSecret, verifyToken, newToken) =
            ($"plain-access-{marker}", $"plain-app-secret-{marker}", $"plain-verify-{marker}", $"plain-new-access-{marker}");

        var created = await owner.SendAsync(HttpMethod.Post, "/api/admin/channels", stack.NewChannel(accessToken: accessToken, appSecret: appSecret, verifyToken: verifyToken));
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var channel = JsonDocument.Parse(createdText).RootElement;
        var id = channel.GetProperty("id").GetGuid();
        stack.Simulator.Register(channel.GetProperty("phoneNumberId").GetString()!, newToken, channel.GetProperty("wabaId").GetString()); // rotated at Meta
        Assert.Equal((true, true, true, true), (channel.GetProperty("hasAccessToken").GetBoolean(), channel.GetProperty("hasAppSecret").GetBoolean(),
            channel.GetProperty("hasVerifyToken").GetBoolean(), channel.GetProperty("active").GetBoolean()));
        var patched = await owner.PatchAsync($"/api/admin/channels/{id}", new { accessToken = newToken, name = "Sales" });
        var patchedText = await patched.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Sales", JsonDocument.Parse(patchedText).RootElement.GetProperty("name").GetString());
        var listed = await (await owner.GetAsync("/api/admin/channels")).Content.ReadAsStringAsync();
        var audit = await (await owner.GetAsync("/api/admin/audit")).Content.ReadAsStringAsync();
        foreach (var text in new[] { createdText, patchedText, listed, audit }) Assert.DoesNotContain(marker, text);

        // Every table, as the owner role, for this tenant and for none: no plain secret, neither as text nor as bytes.
        foreach (var secret in new[] { accessToken, appSecret, verifyToken, newToken })
            Assert.Equal(0, await RowsContainingAsync(tenant.Id, secret));

        // Sealed, not dropped: the key opens what is stored.
        var protector = new SecretProtector(Environment.GetEnvironmentVariable("Secrets__Key")!);
        var sealedToken = (byte[])(await stack.Database.ScalarAsync(tenant.Id, "select access_token_encrypted from channels where id = $1", id))!;
        var sealedSecret = (byte[])(await stack.Database.ScalarAsync(tenant.Id, "select app_secret_encrypted from channels where id = $1", id))!;
        Assert.Equal((newToken, appSecret), (protector.Unprotect(sealedToken), protector.Unprotect(sealedSecret)));
    }

    /// <summary>Rows of any table whose text (bytea shown as hex) holds the secret as text or as its UTF-8 bytes.</summary>
    private static async Task<long> RowsContainingAsync(Guid tenantId, string secret)
    {
        await using var connection = new NpgsqlConnection(TestSettings.OwnerConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        Assert.Contains("channels", tables);
        long found = 0;
        foreach (var tenant in new Guid?[] { tenantId, null })
        {
            await using (var set = TenantSql.SetTenant(connection, tenant, transactionLocal: false)) await set.ExecuteNonQueryAsync();
            foreach (var table in tables)
            {
                await using var count = new NpgsqlCommand($"""
                    select count(*) from "{table}" x
                    where position($1 in x::text) > 0 or position(encode(convert_to($1, 'UTF8'), 'hex') in x::text) > 0
                    """, connection);
                count.Parameters.Add(new() { Value = secret });
                found += (long)(await count.ExecuteScalarAsync())!;
            }
        }
        return found;
    }

    [Fact]
    public async Task Bad_input_is_named_and_a_registered_number_conflicts()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            new { name = "X", phoneNumberId = "12ab", wabaId = "w", accessToken = "t" }), "phoneNumberId");
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            new { name = "X", phoneNumberId = "123", wabaId = "w" }), "accessToken");
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            new { phoneNumberId = "123", wabaId = "w", accessToken = "t" }), "name");
        await Agent.AssertInvalidAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
            new { name = "X", phoneNumberId = "123", wabaId = "../me", accessToken = "t" }), "wabaId");
        // Even with the number's own token (so it is proven), a number another tenant registered is taken.
        var other = await stack.CreateTenantAsync();
        await Agent.ProblemAsync(await owner.SendAsync(HttpMethod.Post, "/api/admin/channels",
                stack.NewChannel(other.PhoneNumberId, other.AccessToken, wabaId: other.WabaId)),
            HttpStatusCode.Conflict, "urn:inbox:problem:conflict");
        var mine = (await owner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await Agent.ProblemAsync(await owner.PatchAsync($"/api/admin/channels/{mine}",
            new { phoneNumberId = other.PhoneNumberId, wabaId = other.WabaId, accessToken = other.AccessToken }), HttpStatusCode.Conflict);
        await Agent.AssertInvalidAsync(await owner.PatchAsync($"/api/admin/channels/{mine}", new { accessToken = "" }), "accessToken");
    }

    [Fact]
    public async Task A_disabled_number_acknowledges_webhooks_without_creating_messages_and_refuses_sends()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917100000001", "before");
        var channel = (await owner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0].GetProperty("id").GetGuid();

        Assert.False((await owner.PostJsonAsync($"/api/admin/channels/{channel}/disable", null)).GetProperty("active").GetBoolean());
        var item = new TextItem("4917100000001", "Customer", Webhooks.NewWamid(), "while disabled");
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(null,
            "select count(*) from webhook_ledger where outcome = 'channel_disabled' and position(convert_to($1, 'UTF8') in body) > 0", item.Wamid));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", item.Wamid));

        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, $"/api/conversations/{conversation}/messages",
            new { type = "text", text = "hello?" }, Guid.NewGuid().ToString()), HttpStatusCode.Conflict, "urn:inbox:problem:channel-disabled");
        await agent.SendMessageAsync(conversation, new { type = "note", text = "notes still work" });

        Assert.True((await owner.PostJsonAsync($"/api/admin/channels/{channel}/enable", null)).GetProperty("active").GetBoolean());
        var later = new TextItem("4917100000001", "Customer", Webhooks.NewWamid(), "after");
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, later)])))).EnsureSuccessStatusCode();
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", later.Wamid));
    }

    [Fact]
    public async Task Health_shows_the_last_webhook_signature_failures_and_the_last_send_error()
    {
        var tenant = await stack.CreateTenantAsync();
        var owner = await stack.OwnerAsync(tenant);
        var channel = (await owner.GetJsonAsync("/api/admin/channels")).GetProperty("items")[0];
        var id = channel.GetProperty("id").GetGuid();
        var health = channel.GetProperty("health");
        Assert.Equal((JsonValueKind.Null, 0, JsonValueKind.Null), (health.GetProperty("lastWebhookAt").ValueKind,
            health.GetProperty("signatureFailures24h").GetInt32(), health.GetProperty("lastSendError").ValueKind));

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917100000002", "hello");
        Assert.True((await owner.GetJsonAsync($"/api/admin/channels/{id}")).GetProperty("health").GetProperty("lastWebhookAt").GetDateTimeOffset() > before);

        // Forged webhooks naming the number: 401, nothing stored, counted against the number.
        var forged = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, new TextItem("4917100000002", "Mallory", Webhooks.NewWamid(), "forged"))]);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(forged, "not-the-app-secret"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stack.Ingest.Http.SendAsync(Webhooks.Request("{not json"u8.ToArray(), "sha256=00"))).StatusCode);
        Assert.Equal(3, (await owner.GetJsonAsync($"/api/admin/channels/{id}")).GetProperty("health").GetProperty("signatureFailures24h").GetInt32());
        Assert.Equal(0, await stack.Database.CountAsync(null, "select count(*) from webhook_ledger where position(convert_to('Mallory', 'UTF8') in body) > 0"));

        // A send that Meta refuses for good is the number's last send error.
        await stack.Simulator.FailNextSendsAsync(tenant.PhoneNumberId, 131009, 1);
        var agent = await stack.LoginAgentAsync(tenant);
        var message = await agent.SendMessageAsync(conversation, new { type = "text", text = "will fail" });
        var deadline = DateTime.UtcNow + Wait;
        JsonElement sendHealth;
        do
        {
            await Task.Delay(100);
            sendHealth = (await owner.GetJsonAsync($"/api/admin/channels/{id}")).GetProperty("health");
        } while (sendHealth.GetProperty("lastSendError").ValueKind == JsonValueKind.Null && DateTime.UtcNow < deadline);
        Assert.StartsWith("(131009)", sendHealth.GetProperty("lastSendError").GetString());
        Assert.NotEqual(JsonValueKind.Null, sendHealth.GetProperty("lastSendErrorAt").ValueKind);
        Assert.Equal("failed", (await agent.GetJsonAsync($"/api/messages/{message.GetProperty("id").GetGuid()}")).GetProperty("status").GetString());
    }
}
