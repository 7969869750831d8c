using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// Nothing stuck, nothing kept forever.
/// <list type="bullet">
/// <item>Send leases: a claim names its worker, when it was taken and until when it holds (renewed before each Graph
/// call). send_state 'claimed' means no POST is in flight, so a claim that outlived its lease is sent again;
/// 'sending' means a POST may have reached Meta, so an expired one becomes 'unknown' instead (Meta has no
/// idempotency key; the status webhook settles it through biz_opaque_callback_data).</item>
/// <item>Media downloads left pending past a deadline are re-submitted once, then failed.</item>
/// <item>Retention: the webhook ledger and published outbox rows are pruned in batches (no long delete).</item>
/// </list>
/// The cross-tenant reads and deletes are SECURITY DEFINER functions owned by inbox_system; the changes to a
/// tenant's rows are made under its own row-level security.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261215000000_LeasesAndRetention")]
public sealed class LeasesAndRetention : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table messages
            drop constraint if exists messages_send_state_check,
            add constraint messages_send_state_check
                check (send_state in ('pending', 'claimed', 'sending', 'accepted', 'failed', 'unknown')),
            add column send_claim_id uuid,
            add column send_claimed_by text,
            add column send_claimed_at timestamptz,
            add column send_lease_until timestamptz;
        -- Only sends in a worker's hands are in it: tiny, and untouched by inbound messages.
        create index ix_messages_send_lease on messages (send_lease_until) where send_state in ('claimed', 'sending');

        create function outbound_leases_expired(p_limit integer)
            returns table (tenant_id uuid, message_id uuid, conversation_id uuid)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select m.tenant_id, m.id, m.conversation_id from messages m
           where m.send_state in ('claimed', 'sending') and m.send_lease_until < now()
           order by m.send_lease_until limit p_limit $$;

        alter table media_files add column resubmitted_at timestamptz;
        create index ix_media_files_pending on media_files (updated_at) where status = 'pending';

        create function media_downloads_overdue(p_older_than interval, p_limit integer)
            returns table (tenant_id uuid, media_file_id uuid, conversation_id uuid)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select f.tenant_id, f.id, m.conversation_id from media_files f join messages m on m.id = f.message_id
           where f.status = 'pending' and f.updated_at < now() - p_older_than
           order by f.updated_at limit p_limit $$;

        -- Retention, one batch per call: the caller loops, so no statement holds locks on a whole table's worth.
        drop function outbox_prune(interval);
        create function outbox_prune(p_older_than interval, p_limit integer) returns integer
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from outbox where id in (
                          select id from outbox where published_at < now() - p_older_than
                          order by published_at limit p_limit)
                      returning 1)
           select count(*)::integer from d $$;

        create function webhook_ledger_prune(p_older_than interval, p_limit integer) returns integer
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from webhook_ledger where id in (
                          select id from webhook_ledger where received_at < now() - p_older_than
                          order by received_at limit p_limit)
                      returning 1)
           select count(*)::integer from d $$;

        grant select on media_files to inbox_system;
        grant select, delete on webhook_ledger to inbox_system;
        alter function outbound_leases_expired(integer) owner to inbox_system;
        alter function media_downloads_overdue(interval, integer) owner to inbox_system;
        alter function outbox_prune(interval, integer) owner to inbox_system;
        alter function webhook_ledger_prune(interval, integer) owner to inbox_system;
        revoke execute on function outbound_leases_expired(integer), media_downloads_overdue(interval, integer),
            outbox_prune(interval, integer), webhook_ledger_prune(interval, integer) from public;
        grant execute on function outbound_leases_expired(integer), media_downloads_overdue(interval, integer),
            outbox_prune(interval, integer), webhook_ledger_prune(interval, integer) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists webhook_ledger_prune(interval, integer), outbox_prune(interval, integer),
            media_downloads_overdue(interval, integer), outbound_leases_expired(integer);
        create function outbox_prune(p_older_than interval) returns bigint
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from outbox where published_at < now() - p_older_than returning 1) select count(*) from d $$;
        alter function outbox_prune(interval) owner to inbox_system;
        grant execute on function outbox_prune(interval) to inbox_app;
        drop index if exists ix_media_files_pending;
        alter table media_files drop column resubmitted_at;
        drop index if exists ix_messages_send_lease;
        alter table messages drop column send_claim_id, drop column send_claimed_by, drop column send_claimed_at,
            drop column send_lease_until, drop constraint messages_send_state_check,
            add constraint messages_send_state_check
                check (send_state in ('pending', 'sending', 'accepted', 'failed', 'unknown'));
        """);
}
