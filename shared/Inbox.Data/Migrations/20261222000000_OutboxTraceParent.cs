using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// Each outbox row keeps the W3C traceparent of the work that wrote it (the webhook or API request, the consumer), so
/// the relay, which publishes later and elsewhere, can publish the event inside that trace: one trace follows a
/// webhook through the database, the bus and the hub push. Null when nothing was tracing (no cost then). The relay's
/// step also returns created_at, for the commit-to-publish lag it measures. Only the step's result columns change;
/// its body is RelayProgressMark's.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261222000000_OutboxTraceParent")]
public sealed class OutboxTraceParent : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql($"""
        alter table outbox add column trace_parent text;
        drop function outbox_relay_step(bigint, integer, interval);
        {RelayStep(", created_at timestamptz, trace_parent text", ", o.created_at, o.trace_parent")}
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql($"""
        drop function outbox_relay_step(bigint, integer, interval);
        {RelayStep("", "")}
        alter table outbox drop column trace_parent;
        """);

    /// <summary>The relay step of migration RelayProgressMark, returning extra <paramref name="columns"/> too.</summary>
    private static string RelayStep(string columns, string values) => $$$"""
        create function outbox_relay_step(p_published_through bigint, p_limit integer, p_min_age interval)
            returns table (id bigint, tenant_id uuid, message_type text, payload jsonb, streamed boolean,
                           conversation_id uuid, stream_position bigint, stream_sequence bigint, relay_order bigint{{{columns}}})
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
                       o.relay_order{{{values}}}
                from outbox o
                where o.relay_order > v_published
                order by o.relay_order
                limit p_limit;
        end
        $$;
        alter function outbox_relay_step(bigint, integer, interval) owner to inbox_system;
        revoke execute on function outbox_relay_step(bigint, integer, interval) from public;
        grant execute on function outbox_relay_step(bigint, integer, interval) to inbox_app;
        """;
}
