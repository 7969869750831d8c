using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>A logged-in member of a tenant calling the API with their bearer token.</summary>
public sealed class Agent(InboxStack stack, TestTenant tenant, JsonElement login)
{
    public TestTenant Tenant { get; } = tenant;
    public string AccessToken { get; set; } = login.GetProperty("accessToken").GetString()!;
    public string RefreshToken { get; set; } = login.GetProperty("refreshToken").GetString()!;
    public Guid UserId { get; } = login.GetProperty("userId").GetGuid();

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await stack.Api.Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>POST /api/uploads as the browser sends it: multipart, the file in part "file" with its declared type.</summary>
    public async Task<HttpResponseMessage> UploadAsync(HttpContent file, string fileName, string? contentType)
    {
        if (contentType is not null) file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var form = new MultipartFormDataContent { { file, "file", fileName } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        return await stack.Api.Http.SendAsync(request);
    }

    /// <summary>Uploads a file WhatsApp takes; expects 201 and returns the upload.</summary>
    public async Task<JsonElement> UploadedAsync(byte[] bytes, string fileName, string contentType) =>
        await ReadAsync(await UploadAsync(new ByteArrayContent(bytes), fileName, contentType), HttpStatusCode.Created);

    public async Task<JsonElement> GetJsonAsync(string path) => await ReadAsync(await GetAsync(path), HttpStatusCode.OK);

    public async Task<JsonElement> PostJsonAsync(string path, object? body, HttpStatusCode expected = HttpStatusCode.OK, string? idempotencyKey = null) =>
        await ReadAsync(await SendAsync(HttpMethod.Post, path, body ?? new { }, idempotencyKey), expected);

    public async Task<JsonElement> PutJsonAsync(string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await ReadAsync(await SendAsync(HttpMethod.Put, path, body), expected);

    /// <summary>Sends a message with a fresh Idempotency-Key; expects 201.</summary>
    public Task<JsonElement> SendMessageAsync(Guid conversationId, object body) =>
        PostJsonAsync($"/api/conversations/{conversationId}/messages", body, HttpStatusCode.Created, Guid.NewGuid().ToString());

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with this status (and type, if given); returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var problem = await ReadAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (type is not null) Assert.Equal(type, problem.GetProperty("type").GetString());
        return problem;
    }

    /// <summary>Asserts a 400 validation problem that names <paramref name="field"/>.</summary>
    public static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"No error for '{field}': {problem}");
    }
}

public static class AgentStack
{
    public static async Task<Agent> LoginAgentAsync(this InboxStack stack, TestTenant tenant, bool owner = false)
    {
        var response = await stack.Api.Http.PostAsJsonAsync("/api/auth/login",
            new { email = owner ? tenant.OwnerEmail : tenant.AgentEmail, password = tenant.Password });
        return new Agent(stack, tenant, await Agent.ReadAsync(response, HttpStatusCode.OK));
    }

    /// <summary>A customer writes now (so the 24-hour window is open); returns the conversation id and the wamid.</summary>
    public static async Task<(Guid ConversationId, string Wamid)> CustomerWritesAsync(
        this InboxStack stack, TestTenant tenant, string from, string text, string name = "Customer", DateTimeOffset? at = null)
    {
        var wamid = Webhooks.NewWamid();
        var body = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId,
            new TextItem(from, name, wamid, text, (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds()))]);
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).EnsureSuccessStatusCode();
        await using var connection = await stack.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setTenant = Inbox.Data.TenantSql.SetTenant(connection, tenant.Id, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync();
        await using var command = new Npgsql.NpgsqlCommand("select conversation_id from messages where wamid = $1", connection, transaction);
        command.Parameters.Add(new() { Value = wamid });
        return ((Guid)(await command.ExecuteScalarAsync())!, wamid);
    }

    /// <summary>Runs a statement as the application role for a tenant (row-level security applies).</summary>
    public static async Task ExecuteAsync(this Npgsql.NpgsqlDataSource database, Guid tenantId, string sql, params object[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setTenant = Inbox.Data.TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
