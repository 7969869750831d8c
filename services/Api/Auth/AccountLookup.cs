using Npgsql;

namespace Inbox.Api.Auth;

/// <summary>
/// Accounts looked up by address before any tenant is known (a login, an invite accepted by an existing account, a refresh):
/// through the schema's narrow SECURITY DEFINER functions, not through row-level security.
/// </summary>
public static class AccountLookup
{
    public static async Task<(Guid Id, string Name, string PasswordHash)?> FindUserAsync(
        NpgsqlDataSource dataSource, string email, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select user_id, display_name, password_hash from auth_find_user($1)");
        command.Parameters.Add(new() { Value = email });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetGuid(0), reader.GetString(1), reader.GetString(2))
            : null;
    }

    public static async Task<List<(Guid TenantId, string Slug, string Role)>> ActiveMembershipsAsync(
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

    /// <summary>The tenant of a refresh token, if one has this hash: all a refresh needs before it can act as that tenant.</summary>
    public static async Task<Guid?> RefreshTokenTenantAsync(NpgsqlDataSource dataSource, byte[] hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select auth_refresh_token_tenant($1)");
        command.Parameters.Add(new() { Value = hash });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid tenantId ? tenantId : null;
    }
}
