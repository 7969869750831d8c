using Inbox.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Inbox.Api.Auth;

public static class AuthApi
{
    public sealed record LoginRequest(string? Email, string? Password, string? Tenant);

    public sealed record LoginResponse(
        string AccessToken, DateTimeOffset ExpiresAt, Guid UserId, string Name, Guid TenantId, string TenantSlug, string Role);

    private static readonly PasswordHasher<User> Hasher = new();

    /// <summary>Verified against when the email is unknown, so both failures take the same time.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-real-password");

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/login", Login).AllowAnonymous();
    }

    /// <summary>
    /// Email and password → an access token for one tenant. A person in several tenants names one (by slug).
    /// Wrong email and wrong password get the same 401, so the answer does not tell which part was wrong.
    /// </summary>
    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, NpgsqlDataSource dataSource, AccessTokenIssuer issuer, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email)) errors["email"] = ["Email is required."];
        if (string.IsNullOrEmpty(request.Password)) errors["password"] = ["Password is required."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var user = await FindUserAsync(dataSource, request.Email!.Trim(), cancellationToken);
        var verified = Hasher.VerifyHashedPassword(null!, user?.PasswordHash ?? DummyHash, request.Password!)
            != PasswordVerificationResult.Failed;
        if (user is null || !verified) return InvalidCredentials();

        var memberships = (await ActiveMembershipsAsync(dataSource, user.Value.Id, cancellationToken))
            .Where(m => request.Tenant is null || string.Equals(m.Slug, request.Tenant, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (memberships.Count == 0) return InvalidCredentials();
        if (memberships.Count > 1)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["tenant"] = [$"This account works in several tenants; name one of: {string.Join(", ", memberships.Select(m => m.Slug))}."],
            });

        var membership = memberships[0];
        var (token, expiresAt) = issuer.Issue(user.Value.Id, user.Value.Name, request.Email.Trim(), membership.TenantId, membership.Role);
        return TypedResults.Ok(new LoginResponse(token, expiresAt, user.Value.Id, user.Value.Name,
            membership.TenantId, membership.Slug, membership.Role));
    }

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem("The email or password is incorrect.", statusCode: StatusCodes.Status401Unauthorized,
            title: "Invalid credentials");

    // Logging in happens before any tenant is known, so these two reads go through the narrow
    // SECURITY DEFINER functions of the schema rather than through row-level security.
    private static async Task<(Guid Id, string Name, string PasswordHash)?> FindUserAsync(
        NpgsqlDataSource dataSource, string email, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select user_id, display_name, password_hash from auth_find_user($1)");
        command.Parameters.Add(new() { Value = email });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetGuid(0), reader.GetString(1), reader.GetString(2))
            : null;
    }

    private static async Task<List<(Guid TenantId, string Slug, string Role)>> ActiveMembershipsAsync(
        NpgsqlDataSource dataSource, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select tenant_id, tenant_slug, role from auth_memberships($1) where active order by tenant_slug");
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var memberships = new List<(Guid, string, string)>();
        while (await reader.ReadAsync(cancellationToken))
            memberships.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        return memberships;
    }
}
