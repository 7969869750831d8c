using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// The three SQL functions on the hot paths become PL/pgSQL, with the same bodies. PostgreSQL 15 parses and plans
/// the body of a LANGUAGE sql function on every call when it cannot inline it (and a SET search_path, or an UPDATE,
/// rules inlining out), while PL/pgSQL keeps each statement's plan for the session: touch_conversation runs once per
/// stored message, resolve_channel once per number per ingest transaction, auth_session_active once per API
/// request. Profiled at 200 webhooks/s, the parser and planner of those calls were the largest CPU cost of the
/// ingest's PostgreSQL backends (see docs/performance.md).
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261220000000_PlanCachedHotFunctions")]
public sealed class PlanCachedHotFunctions : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create or replace function touch_conversation(p_conversation_id uuid, p_at timestamptz, p_preview text,
                                                      p_opens_window boolean, p_counts_unread boolean)
            returns void language plpgsql set search_path = public, pg_temp as
        $$
        begin
            update conversations c set
                last_message_preview = case when p_preview is not null
                                             and (c.last_message_at is null or p_at >= c.last_message_at)
                                            then p_preview else c.last_message_preview end,
                last_message_at = case when p_preview is not null then greatest(c.last_message_at, p_at)
                                       else c.last_message_at end,
                last_inbound_at = case when p_opens_window then greatest(c.last_inbound_at, p_at) else c.last_inbound_at end,
                window_closes_at = case when p_opens_window
                                        then greatest(c.window_closes_at, p_at + interval '24 hours')
                                        else c.window_closes_at end,
                -- A window already over when its message arrives (a late or replayed webhook) is shown closed by
                -- this very update: the timer job need not announce it again.
                window_closed_at = case when p_opens_window
                                         and greatest(c.window_closes_at, p_at + interval '24 hours') <= now()
                                        then greatest(c.window_closes_at, p_at + interval '24 hours')
                                        else c.window_closed_at end,
                unread_count = c.unread_count + case when p_counts_unread then 1 else 0 end,
                status = case when p_opens_window and c.status in ('resolved', 'snoozed') then 'open' else c.status end,
                snoozed_until = case when p_opens_window then null else c.snoozed_until end,
                last_activity_at = case when p_opens_window then greatest(c.last_activity_at, now()) else c.last_activity_at end,
                updated_at = now()
            where c.id = p_conversation_id;
        end
        $$;

        create or replace function resolve_channel(p_phone_number_id text)
            returns table (channel_id uuid, tenant_id uuid, active boolean)
            language plpgsql stable security definer set search_path = public, pg_temp as
        $$
        begin
            return query select c.id, c.tenant_id, c.active from channels c where c.phone_number_id = p_phone_number_id;
        end
        $$;

        create or replace function auth_session_active(p_session_id uuid, p_user_id uuid, p_tenant_id uuid)
            returns text language plpgsql stable security definer set search_path = public, pg_temp as
        $$
        begin
            return (select m.role from auth_sessions s join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
                    where s.id = p_session_id and s.user_id = p_user_id and s.tenant_id = p_tenant_id
                      and s.revoked_at is null and m.active);
        end
        $$;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create or replace function resolve_channel(p_phone_number_id text)
            returns table (channel_id uuid, tenant_id uuid, active boolean)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select c.id, c.tenant_id, c.active from channels c where c.phone_number_id = p_phone_number_id $$;
        create or replace function auth_session_active(p_session_id uuid, p_user_id uuid, p_tenant_id uuid)
            returns text language sql stable security definer set search_path = public, pg_temp as
        $$ select m.role from auth_sessions s join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
           where s.id = p_session_id and s.user_id = p_user_id and s.tenant_id = p_tenant_id
             and s.revoked_at is null and m.active $$;
        """);
}
