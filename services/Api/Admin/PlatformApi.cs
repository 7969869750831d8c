using System.Security.Cryptography;
using System.Text;
using Inbox.Data;
using Inbox.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Api.Admin;

/// <summary>
/// The platform operator's door: creating a tenant with its owner and seat limit. Not a tenant's user: it
/// authenticates with X-Platform-Key (Platform:ApiKey). With no key configured the endpoint does not exist (404).
/// </summary>
public static class PlatformApi
{
    public const string KeyHeader = "X-Platform-Key";

    public sealed record CreateTenantRequest(string? Name, string? Slug, string? OwnerEmail, string? OwnerName, string? OwnerPassword,
        int? SeatLimit);

    public sealed record CreatedTenant(Guid TenantId, string Slug, Guid OwnerUserId);

    public static void MapPlatformApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/platform/tenants", Create).AllowAnonymous().WithTags("Platform")
            .WithSummary("Create a tenant with its owner (X-Platform-Key)");
    }

    private static async Task<Results<Created<CreatedTenant>, ProblemHttpResult, ValidationProblem>> Create(
        CreateTenantRequest request, HttpRequest http, IConfiguration configuration, TenantProvisioner provisioner,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (configuration["Platform:ApiKey"] is not { Length: > 0 } key) return Problems.NotFound("The endpoint");
        if (!KeyMatches(http.Headers[KeyHeader].ToString(), key))
            return TypedResults.Problem($"A valid {KeyHeader} header is required.", statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized");

        var validation = Validate(request);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var tenantId = Guid.CreateVersion7();
        var slug = request.Slug!.Trim().ToLowerInvariant();
        var email = request.OwnerEmail!.Trim();
        try
        {
            await provisioner.ProvisionAsync(new NewTenant(tenantId, slug, request.Name!.Trim(),
                [new NewMember(email, request.OwnerName!.Trim(), request.OwnerPassword!, Roles.Owner)], [],
                SeatLimit: request.SeatLimit ?? 10, NewAccountsOnly: true), cancellationToken);
        }
        catch (AccountExistsException)
        {
            // Anyone can accept an invite for any address into their own tenant; attaching the new tenant to that
            // account would hand it to whoever did. The operator picks another address (claim links are not built).
            return Problems.ConflictProblem("Account exists",
                $"An account with the address {email} exists already: a new tenant is never given to an existing account. Use another owner address.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            return unique.ConstraintName == "tenants_slug_key"
                ? Problems.ConflictProblem("Slug taken", $"A tenant with the slug '{slug}' exists already.")
                : Problems.ConflictProblem("Conflict", "The tenant or its owner was created at the same time by another request.");
        }
        var owner = await Auth.AccountLookup.FindUserAsync(dataSource, email, cancellationToken);
        return TypedResults.Created($"/api/platform/tenants/{tenantId}", new CreatedTenant(tenantId, slug, owner!.Value.Id));
    }

    /// <summary>The request's fields, checked by the rules `./inbox tenant create` uses too.</summary>
    public static Validation Validate(CreateTenantRequest r) =>
        NewTenantRules.Check(r.Name, r.Slug, r.OwnerEmail, r.OwnerName, r.OwnerPassword, r.SeatLimit)
            .Aggregate(new Validation(), (validation, error) => validation.Add(error.Field, error.Error));

    private static bool KeyMatches(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
