using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// A refresh whose answer was lost (the server rotated, the client never got the new token) is retried with the same
/// token. Until now that counted as theft and ended the session. Now each used token remembers its successor
/// (replaced_by), and the immediately previous token presented again within a short grace, while its successor has
/// never been presented, rotates once more: the unseen successor is retired (presenting it later is a reuse) and a
/// new one issued. Only hashes are kept, so the same successor cannot be handed out twice; one live token per
/// session remains. A replay after the grace, or after the successor was used, still revokes the session.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261219120000_RefreshRetryGrace")]
public sealed class RefreshRetryGrace : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table refresh_tokens add column replaced_by bytea;

        drop function auth_rotate_refresh_token(bytea, bytea, timestamptz);

        -- Rotates a refresh token: the presented one is used up and a new one issued in the same session.
        -- Outcome: ok | unknown | expired | reused (the session is then revoked) | revoked | inactive.
        create function auth_rotate_refresh_token(p_hash bytea, p_new_hash bytea, p_expires_at timestamptz,
                                                  p_retry_grace interval)
            returns table (outcome text, session_id uuid, user_id uuid, tenant_id uuid, role text)
            language plpgsql volatile security definer set search_path = public, pg_temp as
        $$
        #variable_conflict use_column
        declare
            t refresh_tokens%rowtype;
            s auth_sessions%rowtype;
            v_role text;
        begin
            select * into t from refresh_tokens where token_hash = p_hash for update;
            if not found then
                return query select 'unknown', null::uuid, null::uuid, null::uuid, null::text; return;
            end if;
            select * into s from auth_sessions where id = t.session_id for update;
            if t.used_at is not null then
                -- A lost answer retried: used moments ago, and the successor it got was never presented. The client
                -- cannot have both, so the unseen successor is retired (no replaced_by: presenting it is a reuse).
                if s.revoked_at is null and t.used_at > now() - p_retry_grace and t.replaced_by is not null
                   and exists (select 1 from refresh_tokens n where n.token_hash = t.replaced_by and n.used_at is null) then
                    update refresh_tokens set used_at = now() where token_hash = t.replaced_by;
                else
                    update auth_sessions set revoked_at = coalesce(revoked_at, now()) where id = s.id;
                    return query select 'reused', s.id, s.user_id, s.tenant_id, null::text; return;
                end if;
            end if;
            if s.revoked_at is not null then
                return query select 'revoked', s.id, s.user_id, s.tenant_id, null::text; return;
            end if;
            if t.expires_at <= now() then
                return query select 'expired', s.id, s.user_id, s.tenant_id, null::text; return;
            end if;
            select m.role into v_role from memberships m where m.tenant_id = s.tenant_id and m.user_id = s.user_id and m.active;
            if v_role is null then
                update auth_sessions set revoked_at = now() where id = s.id;
                return query select 'inactive', s.id, s.user_id, s.tenant_id, null::text; return;
            end if;
            -- used_at keeps the first use: retries do not stretch the grace.
            update refresh_tokens set used_at = coalesce(used_at, now()), replaced_by = p_new_hash where token_hash = p_hash;
            insert into refresh_tokens (token_hash, session_id, tenant_id, expires_at)
            values (p_new_hash, s.id, s.tenant_id, p_expires_at);
            return query select 'ok', s.id, s.user_id, s.tenant_id, v_role;
        end
        $$;

        alter function auth_rotate_refresh_token(bytea, bytea, timestamptz, interval) owner to inbox_system;
        revoke execute on function auth_rotate_refresh_token(bytea, bytea, timestamptz, interval) from public;
        grant execute on function auth_rotate_refresh_token(bytea, bytea, timestamptz, interval) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists auth_rotate_refresh_token(bytea, bytea, timestamptz, interval);
        alter table refresh_tokens drop column if exists replaced_by;
        """);
}
