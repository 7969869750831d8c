using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// The outbox becomes the tenant's event stream, so a browser that reconnects gets exactly what it missed.
/// Every event that reaches browsers gets, as it is written, a gap-free position in its tenant's stream and a
/// gap-free sequence in its conversation. Both counters are row locks held to the commit, so numbers are handed
/// out in commit order: a reader never sees position 11 before 10 is visible. publish_order, drawn after those
/// locks, makes the relay publish each tenant's events in position order. Published rows are kept for catch-up
/// and pruned after a retention period.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261122030000_EventStream")]
public sealed class EventStream : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create table tenant_streams (
            tenant_id uuid primary key references tenants (id),
            position bigint not null
        );
        alter table tenant_streams enable row level security;
        alter table tenant_streams force row level security;
        create policy tenant_isolation on tenant_streams
            using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
        grant select, insert, update on tenant_streams to inbox_app;

        alter table conversations add column event_sequence bigint not null default 0;

        create sequence outbox_publish_order;
        grant usage on sequence outbox_publish_order to inbox_app;
        alter table outbox
            add column streamed boolean not null default false,
            add column conversation_id uuid,
            add column position bigint,
            add column sequence bigint,
            add column publish_order bigint;
        create unique index ux_outbox_tenant_position on outbox (tenant_id, position) where position is not null;
        drop index ix_outbox_unpublished;
        create index ix_outbox_unpublished on outbox (publish_order) where published_at is null;
        create index ix_outbox_published on outbox (published_at) where published_at is not null;

        create function outbox_number() returns trigger language plpgsql set search_path = public, pg_temp as
        $$
        begin
            if new.streamed then
                insert into tenant_streams as s (tenant_id, position) values (new.tenant_id, 1)
                on conflict (tenant_id) do update set position = s.position + 1
                returning s.position into new.position;
                if new.conversation_id is not null then
                    update conversations set event_sequence = event_sequence + 1
                    where id = new.conversation_id
                    returning event_sequence into new.sequence;
                end if;
            end if;
            new.publish_order := nextval('outbox_publish_order');
            return new;
        end
        $$;
        create trigger outbox_number before insert on outbox for each row execute function outbox_number();
        grant execute on function outbox_number() to inbox_app;

        -- In publish order, so each tenant's events leave in stream order (the relay holds an advisory lock:
        -- one relay publishes at a time).
        drop function outbox_claim(integer, interval);
        create function outbox_claim(p_limit integer, p_min_age interval)
            returns table (id bigint, tenant_id uuid, message_type text, payload jsonb)
            language plpgsql volatile security definer set search_path = public, pg_temp as
        $$
        begin
            return query
                select o.id, o.tenant_id, o.message_type,
                       case when o.streamed then o.payload || jsonb_build_object('position', o.position, 'sequence', o.sequence)
                            else o.payload end
                from outbox o
                where o.published_at is null and o.created_at <= now() - p_min_age
                order by o.publish_order
                limit p_limit
                for update skip locked;
        end
        $$;
        alter function outbox_claim(integer, interval) owner to inbox_system;

        create function outbox_prune(p_older_than interval) returns bigint
            language sql volatile security definer set search_path = public, pg_temp as
        $$ with d as (delete from outbox where published_at < now() - p_older_than returning 1) select count(*) from d $$;
        grant delete on outbox to inbox_system;
        alter function outbox_prune(interval) owner to inbox_system;

        revoke execute on function outbox_claim(integer, interval), outbox_prune(interval) from public;
        grant execute on function outbox_claim(integer, interval), outbox_prune(interval) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists outbox_prune(interval);
        drop trigger if exists outbox_number on outbox;
        drop function if exists outbox_number();
        alter table outbox drop column streamed, drop column conversation_id, drop column position, drop column sequence,
            drop column publish_order;
        drop sequence if exists outbox_publish_order;
        alter table conversations drop column event_sequence;
        drop table if exists tenant_streams;
        """);
}
