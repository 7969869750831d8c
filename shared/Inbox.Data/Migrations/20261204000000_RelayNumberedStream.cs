using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// Stream positions are handed out by the relay as it publishes, not by the writers under a lock held to their
/// commit. Before, every event-writing transaction of a tenant held the tenant's tenant_streams row from its first
/// event to its commit, so one tenant's writers ran one at a time, fsync included. Now a writer only locks the
/// conversation its event is about (a conversation's events stay in commit order) and draws publish_order after that
/// lock; the one relay that holds the relay lock numbers committed events in publish_order — gap-free positions per
/// tenant, sequences per conversation — and commits the numbers BEFORE it publishes them, so a retried publish
/// carries the same numbers and a reader of /api/events never sees a position before all lower ones are there.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261204000000_RelayNumberedStream")]
public sealed class RelayNumberedStream : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        -- A conversation's sequence, written only by the relay (so writers never wait on it).
        create table conversation_streams (
            conversation_id uuid primary key references conversations (id) on delete cascade,
            tenant_id uuid not null references tenants (id),
            sequence bigint not null
        );
        alter table conversation_streams enable row level security;
        alter table conversation_streams force row level security;
        create policy tenant_isolation on conversation_streams
            using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
        insert into conversation_streams (conversation_id, tenant_id, sequence)
            select id, tenant_id, event_sequence from conversations where event_sequence > 0;
        alter table conversations drop column event_sequence;

        -- The order the relay publishes in: drawn by the relay alone, as it numbers. Rows numbered before this
        -- migration keep their positions and get their relay order now.
        create sequence outbox_relay_order;
        alter table outbox add column relay_order bigint;
        update outbox o set relay_order = x.r
        from (select id, row_number() over (order by publish_order) as r from outbox
              where published_at is null and (position is not null or not streamed)) x
        where o.id = x.id;
        select setval('outbox_relay_order', coalesce((select max(relay_order) from outbox), 0) + 1, false);

        -- A writer's event locks its conversation (to the commit, which the conversation's own writes do anyway)
        -- and only then draws publish_order: a conversation's events are ordered as their transactions commit.
        create or replace function outbox_number() returns trigger language plpgsql set search_path = public, pg_temp as
        $$
        begin
            if new.streamed and new.conversation_id is not null then
                perform 1 from conversations where id = new.conversation_id for no key update;
            end if;
            new.publish_order := nextval('outbox_publish_order');
            return new;
        end
        $$;

        -- One step of the relay, in one transaction (the caller holds the relay lock, so it is the only relay):
        -- (1) the rows the previous step published are marked so; (2) committed stream events not numbered yet get,
        -- in publish_order, their tenant's next positions and their conversation's next sequences, and every row a
        -- relay_order to match; (3) the next rows to publish come back in relay_order, each tenant's in position order.
        -- With p_min_age (the safety sweep), rows are claimed only when one has waited that long.
        create function outbox_relay_step(p_published bigint[], p_limit integer, p_min_age interval)
            returns table (id bigint, tenant_id uuid, message_type text, payload jsonb, streamed boolean,
                           conversation_id uuid, stream_position bigint, stream_sequence bigint)
            language plpgsql volatile security definer set search_path = public, pg_temp as
        $$
        #variable_conflict use_column
        declare
            v_ids bigint[];
            v_count integer;
            v_base bigint;
        begin
            if cardinality(p_published) > 0 then
                update outbox o set published_at = now() where o.id = any (p_published) and o.published_at is null;
            end if;
            if p_limit <= 0 then return; end if;

            select array_agg(x.id order by x.publish_order) into v_ids
            from (select o.id, o.publish_order from outbox o
                  where o.published_at is null and o.relay_order is null
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
                select 1 from outbox o where o.published_at is null and o.created_at <= now() - p_min_age) then
                return;
            end if;
            return query
                select o.id, o.tenant_id, o.message_type, o.payload, o.streamed, o.conversation_id, o.position, o.sequence
                from outbox o
                where o.published_at is null and o.relay_order is not null
                order by o.relay_order
                limit p_limit;
        end
        $$;
        alter function outbox_relay_step(bigint[], integer, interval) owner to inbox_system;
        revoke execute on function outbox_relay_step(bigint[], integer, interval) from public;
        grant execute on function outbox_relay_step(bigint[], integer, interval) to inbox_app;
        grant select, insert, update on tenant_streams, conversation_streams to inbox_system;
        grant select on conversation_streams to inbox_app;
        grant usage, update on sequence outbox_relay_order to inbox_system;

        drop function outbox_claim(integer, interval);
        drop function outbox_mark_published(bigint[]);
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists outbox_relay_step(bigint[], integer, interval);
        alter table outbox drop column relay_order;
        drop sequence if exists outbox_relay_order;
        alter table conversations add column event_sequence bigint not null default 0;
        drop table if exists conversation_streams;
        """);
}
