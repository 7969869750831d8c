using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// What the relay has published is one number, not a column written on every row. The one relay (it holds the relay
/// lock) publishes rows in relay_order and counts a step as published only when the broker confirmed all of it, so
/// the published rows are always a prefix of relay_order: "published through N" says it all. Before, each event was
/// written three times — inserted, numbered, then stamped published_at — and the third write, never a HOT update
/// (published_at was indexed), was a fifth of each relay step (0.64 of 3.29 ms) and kept autovacuum busy on outbox
/// (docs/performance.md). Retention goes by created_at among the published rows, and <c>outbox_pending</c> shows
/// what is still waiting.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261221000000_RelayProgressMark")]
public sealed class RelayProgressMark : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        -- One row, written by the relay only: every outbox row with relay_order <= published_through was published.
        create table outbox_relay_progress (
            singleton boolean primary key default true check (singleton),
            published_through bigint not null
        );
        -- Rows published before relays numbered them have no relay_order: they go first.
        update outbox set relay_order = 0 where relay_order is null and published_at is not null;
        insert into outbox_relay_progress (published_through)
            select coalesce(max(relay_order), 0) from outbox where published_at is not null;

        drop index ix_outbox_unpublished;
        drop index ix_outbox_published;
        alter table outbox drop column published_at;
        create index ix_outbox_unnumbered on outbox (publish_order) where relay_order is null;
        create index ix_outbox_relay_order on outbox (relay_order) where relay_order is not null;

        -- What the relay has not published yet (for operators and tests), under the caller's row security.
        create view outbox_pending with (security_invoker = true) as
            select o.* from outbox o
            where o.relay_order is null or o.relay_order > (select p.published_through from outbox_relay_progress p);

        drop function outbox_relay_step(bigint[], integer, interval);

        -- One step of the relay, in one transaction (the caller holds the relay lock, so it is the only relay):
        -- (1) the previous step's rows, confirmed by the broker, are published through p_published_through;
        -- (2) committed events not numbered yet get, in publish_order, their tenant's next positions and their
        -- conversation's next sequences, and every row a relay_order to match; (3) the next rows to publish come back
        -- in relay_order, each tenant's in position order. With p_min_age (the safety sweep), rows are returned only
        -- when one has waited that long.
        create function outbox_relay_step(p_published_through bigint, p_limit integer, p_min_age interval)
            returns table (id bigint, tenant_id uuid, message_type text, payload jsonb, streamed boolean,
                           conversation_id uuid, stream_position bigint, stream_sequence bigint, relay_order bigint)
            language plpgsql volatile security definer set search_path = public, pg_temp as
        $$
        #variable_conflict use_column
        declare
            v_published bigint;
            v_ids bigint[];
            v_count integer;
            v_base bigint;
        begin
            if p_published_through is not null then
                update outbox_relay_progress set published_through = greatest(published_through, p_published_through)
                returning published_through into v_published;
            else
                select published_through into v_published from outbox_relay_progress;
            end if;
            if p_limit <= 0 then return; end if;

            select array_agg(x.id order by x.publish_order) into v_ids
            from (select o.id, o.publish_order from outbox o
                  where o.relay_order is null
                  order by o.publish_order limit p_limit) x;
            v_count := coalesce(cardinality(v_ids), 0);

            if v_count > 0 then
                -- Only this relay draws from outbox_relay_order (it holds the relay lock): reserve v_count values.
                v_base := nextval('outbox_relay_order');
                perform setval('outbox_relay_order', v_base + v_count - 1);

                with batch as (
                    select o.id, o.tenant_id, o.conversation_id, o.streamed,
                           row_number() over (order by o.publish_order) as rank_all,
                           row_number() over (partition by o.tenant_id, o.streamed order by o.publish_order) as rank_tenant,
                           row_number() over (partition by o.conversation_id, o.streamed order by o.publish_order) as rank_conversation
                    from outbox o where o.id = any (v_ids)
                ), tenant_counts as (
                    select b.tenant_id, count(*) as n from batch b where b.streamed group by b.tenant_id
                ), bumped_tenants as (
                    insert into tenant_streams as s (tenant_id, position)
                    select c.tenant_id, c.n from tenant_counts c
                    on conflict (tenant_id) do update set position = s.position + excluded.position
                    returning s.tenant_id, s.position
                ), conversation_counts as (
                    select b.conversation_id, b.tenant_id, count(*) as n from batch b
                    where b.streamed and b.conversation_id is not null group by b.conversation_id, b.tenant_id
                ), bumped_conversations as (
                    insert into conversation_streams as s (conversation_id, tenant_id, sequence)
                    select c.conversation_id, c.tenant_id, c.n from conversation_counts c
                    on conflict (conversation_id) do update set sequence = s.sequence + excluded.sequence
                    returning s.conversation_id, s.sequence
                )
                update outbox o set
                    relay_order = v_base + b.rank_all - 1,
                    position = case when b.streamed then t.position - tc.n + b.rank_tenant end,
                    sequence = case when b.streamed and b.conversation_id is not null
                                    then cv.sequence - cc.n + b.rank_conversation end
                from batch b
                left join bumped_tenants t on t.tenant_id = b.tenant_id
                left join tenant_counts tc on tc.tenant_id = b.tenant_id
                left join bumped_conversations cv on cv.conversation_id = b.conversation_id
                left join conversation_counts cc on cc.conversation_id = b.conversation_id
                where o.id = b.id;
            end if;

            if p_min_age > interval '0' and not exists (
                select 1 from outbox o where o.relay_order > v_published and o.created_at <= now() - p_min_age) then
                return;
            end if;
            return query
                select o.id, o.tenant_id, o.message_type, o.payload, o.streamed, o.conversation_id, o.position, o.sequence,
                       o.relay_order
                from outbox o
                where o.relay_order > v_published
                order by o.relay_order
                limit p_limit;
        end
        $$;
        alter function outbox_relay_step(bigint, integer, interval) owner to inbox_system;
        revoke execute on function outbox_relay_step(bigint, integer, interval) from public;
        grant execute on function outbox_relay_step(bigint, integer, interval) to inbox_app;
        grant select, update on outbox_relay_progress to inbox_system;
        grant select on outbox_relay_progress, outbox_pending to inbox_app;

        -- Retention, one batch per call: published rows past the limit, oldest first. BRIN finds them cheaply, since
        -- rows arrive in time order.
        create index ix_outbox_created on outbox using brin (created_at);
        create or replace function outbox_prune(p_older_than interval, p_limit integer) returns integer
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from outbox where id in (
                          select o.id from outbox o
                          where o.created_at < now() - p_older_than
                            and o.relay_order <= (select p.published_through from outbox_relay_progress p)
                          order by o.relay_order limit p_limit)
                      returning 1)
           select count(*)::integer from d $$;
        """);

    // Back to a published_at per row (every row through the mark counts as published now). The previous
    // outbox_relay_step(bigint[], integer, interval) is the one migration RelayNumberedStream defines: re-apply it.
    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists outbox_relay_step(bigint, integer, interval);
        drop view if exists outbox_pending;
        alter table outbox add column published_at timestamptz;
        update outbox set published_at = created_at
            where relay_order <= (select published_through from outbox_relay_progress);
        drop index if exists ix_outbox_unnumbered, ix_outbox_relay_order, ix_outbox_created;
        create index ix_outbox_unpublished on outbox (publish_order) where published_at is null;
        create index ix_outbox_published on outbox (published_at) where published_at is not null;
        create or replace function outbox_prune(p_older_than interval, p_limit integer) returns integer
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from outbox where id in (
                          select id from outbox where published_at < now() - p_older_than
                          order by published_at limit p_limit)
                      returning 1)
           select count(*)::integer from d $$;
        drop table outbox_relay_progress;
        """);
}
