using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// A number connected through its tenant's own Meta app: WebhookIngest checks a webhook against the app secret of
/// the numbers it names, and the GET handshake against the numbers' verify tokens, when the deployment's own app
/// secret and verify token do not match. Both are read before any tenant is trusted, so through SECURITY DEFINER
/// functions that return only the sealed values (WebhookIngest opens them with Secrets:Key).
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261122050000_ChannelOwnApps")]
public sealed class ChannelOwnApps : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create function channel_app_secrets(p_phone_number_ids text[])
            returns table (phone_number_id text, app_secret_encrypted bytea)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select c.phone_number_id, c.app_secret_encrypted from channels c where c.phone_number_id = any (p_phone_number_ids) $$;

        create function channel_verify_tokens() returns setof bytea
            language sql stable security definer set search_path = public, pg_temp as
        $$ select c.verify_token_encrypted from channels c where c.verify_token_encrypted is not null and c.active $$;

        alter function channel_app_secrets(text[]) owner to inbox_system;
        alter function channel_verify_tokens() owner to inbox_system;
        revoke execute on function channel_app_secrets(text[]), channel_verify_tokens() from public;
        grant execute on function channel_app_secrets(text[]), channel_verify_tokens() to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists channel_app_secrets(text[]), channel_verify_tokens();
        """);
}
