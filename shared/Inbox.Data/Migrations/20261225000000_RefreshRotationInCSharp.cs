using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// The refresh-token rotation moves from auth_rotate_refresh_token to C# (the Api's RefreshRotation, with unit
/// tests), under the tenant's row-level security. The one thing a refresh needs before it knows its tenant is the
/// tenant itself: auth_refresh_token_tenant (SECURITY DEFINER, owned by inbox_system) answers only that.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261225000000_RefreshRotationInCSharp")]
public sealed class RefreshRotationInCSharp : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists auth_rotate_refresh_token(bytea, bytea, timestamptz, interval);
        create function auth_refresh_token_tenant(p_hash bytea) returns uuid
            language sql stable security definer set search_path = public, pg_temp as
        $$ select tenant_id from refresh_tokens where token_hash = p_hash $$;
        alter function auth_refresh_token_tenant(bytea) owner to inbox_system;
        revoke execute on function auth_refresh_token_tenant(bytea) from public;
        grant execute on function auth_refresh_token_tenant(bytea) to inbox_app;
        """);

    // Rolled back, the older version's Sql files define auth_rotate_refresh_token again when they are applied.
    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("drop function if exists auth_refresh_token_tenant(bytea);");
}
