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
-- (1) the previous step's rows, confirmed by the broker, are published through p_published_through (a relay marks a
-- short batch with its next step, so rows it published may still look unpublished: the rows it last handed out are
-- skipped by the other relays for 10 s, after which a relay that died with them is presumed gone);
-- (2) committed events not numbered yet get, in publish_order, their tenant's next positions and their
-- conversation's next sequences, and every row a relay_order to match; (3) the next rows to publish come back
-- in relay_order, each tenant's in position order, with when each was written (the relay measures the lag) and
-- its writer's traceparent (the trace goes on through the bus). With p_min_age (the safety sweep), rows are
-- returned only when one has waited that long.
create or replace function outbox_relay_step(p_relay uuid, p_published_through bigint, p_limit integer, p_min_age interval)
    returns table (id bigint, tenant_id uuid, message_type text, payload jsonb, streamed boolean,
                   conversation_id uuid, stream_position bigint, stream_sequence bigint, relay_order bigint,
                   created_at timestamptz, trace_parent text)
    language plpgsql volatile security definer set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    v_published bigint;
    v_from bigint;
    v_last bigint;
    v_ids bigint[];
    v_count integer;
    v_base bigint;
begin
    if p_published_through is not null then
        update outbox_relay_progress set published_through = greatest(published_through, p_published_through)
        returning published_through, case when handed_by <> p_relay and handed_at > now() - interval '10 seconds'
                                          then handed_through else 0 end
        into v_published, v_from;
    else
        select published_through, case when handed_by <> p_relay and handed_at > now() - interval '10 seconds'
                                        then handed_through else 0 end
        into v_published, v_from from outbox_relay_progress;
    end if;
    v_from := greatest(v_published, v_from);
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

    -- Nested, not one condition with "and": PostgreSQL would run the not-exists scan for every step otherwise.
    if p_min_age > interval '0' then
        if not exists (select 1 from outbox o where o.relay_order > v_from and o.created_at <= now() - p_min_age) then
            return;
        end if;
    end if;
    select max(x.relay_order) into v_last
    from (select o.relay_order from outbox o where o.relay_order > v_from order by o.relay_order limit p_limit) x;
    if v_last is null then return; end if;
    update outbox_relay_progress set handed_through = v_last, handed_by = p_relay, handed_at = now();
    return query
        select o.id, o.tenant_id, o.message_type, o.payload, o.streamed, o.conversation_id, o.position, o.sequence,
               o.relay_order, o.created_at, o.trace_parent
        from outbox o
        where o.relay_order > v_from and o.relay_order <= v_last
        order by o.relay_order;
end
$$;

create or replace function outbox_prune(p_older_than interval, p_limit integer) returns integer
    language sql volatile security definer set search_path = public, pg_temp as
$$ with d as (delete from outbox where id in (
                  select o.id from outbox o
                  where o.created_at < now() - p_older_than
                    and o.relay_order <= (select p.published_through from outbox_relay_progress p)
                  order by o.relay_order limit p_limit)
              returning 1)
   select count(*)::integer from d $$;
