using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// A relay marks a short batch published with its next step, so for a moment its rows still look unpublished; a relay
/// of another process that took the lock then published them again (at-least-once, so correct, but the duplicates
/// doubled consumers' work, e.g. a media download tried twice). The step now records which relay it handed rows
/// to (handed_through, handed_by, handed_at), and other relays skip those for a lease. Its body is in Sql/outbox.sql.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261226010000_RelayHandOff")]
public sealed class RelayHandOff : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table outbox_relay_progress
            add column handed_through bigint not null default 0,
            add column handed_by uuid,
            add column handed_at timestamptz;
        drop function outbox_relay_step(bigint, integer, interval);
        create function outbox_relay_step(p_relay uuid, p_published_through bigint, p_limit integer, p_min_age interval)
            returns table (id bigint, tenant_id uuid, message_type text, payload jsonb, streamed boolean,
                           conversation_id uuid, stream_position bigint, stream_sequence bigint, relay_order bigint,
                           created_at timestamptz, trace_parent text)
            language plpgsql volatile security definer set search_path = public, pg_temp as
        $$ begin return; end $$;
        alter function outbox_relay_step(uuid, bigint, integer, interval) owner to inbox_system;
        revoke execute on function outbox_relay_step(uuid, bigint, integer, interval) from public;
        grant execute on function outbox_relay_step(uuid, bigint, integer, interval) to inbox_app;
        """);

    // Rolled back, the older version's Sql files define outbox_relay_step(bigint, integer, interval) again.
    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists outbox_relay_step(uuid, bigint, integer, interval);
        alter table outbox_relay_progress drop column if exists handed_through, drop column if exists handed_by,
            drop column if exists handed_at;
        """);
}
