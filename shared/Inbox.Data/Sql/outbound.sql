-- An outbound message learns its wamid from the Graph API: statuses that raced ahead are applied now, oldest first.
create or replace function assign_wamid(p_message_id uuid, p_wamid text)
    returns table (status text, status_at timestamptz, changed boolean)
    language plpgsql volatile set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    m messages%rowtype;
    p pending_statuses%rowtype;
    v_before text;
begin
    update messages set wamid = p_wamid where id = p_message_id returning * into m;
    if not found then raise exception 'message % not found', p_message_id; end if;
    v_before := m.status;
    for p in delete from pending_statuses ps where ps.channel_id = m.channel_id and ps.wamid = p_wamid
             returning * loop
        perform apply_message_status(p.tenant_id, p.channel_id, p.wamid, p.status, p.status_at, p.error_code,
                                     p.error_title, p.error_details, p.pricing_category);
    end loop;
    return query select m2.status, m2.status_at, m2.status is distinct from v_before
                 from messages m2 where m2.id = p_message_id;
end
$$;

-- A status for a wamid not known yet whose biz_opaque_callback_data names one of this channel's outbound
-- messages still without a wamid: the send's answer was lost (timeout, crash), the webhook tells it.
create or replace function reconcile_outbound_wamid(p_channel_id uuid, p_message_id uuid, p_wamid text)
    returns table (message_id uuid, conversation_id uuid, status text, status_at timestamptz, changed boolean)
    language plpgsql volatile set search_path = public, pg_temp as
$$
#variable_conflict use_column
begin
    if not exists (select 1 from messages m where m.id = p_message_id and m.channel_id = p_channel_id
                   and m.direction = 'outbound' and m.wamid is null and m.send_state is not null) then
        return;
    end if;
    update messages set send_state = 'accepted' where id = p_message_id;
    return query select p_message_id, m.conversation_id, a.status, a.status_at, a.changed
                 from assign_wamid(p_message_id, p_wamid) a, messages m where m.id = p_message_id;
end
$$;

create or replace function outbound_leases_expired(p_limit integer)
    returns table (tenant_id uuid, message_id uuid, conversation_id uuid)
    language sql stable security definer set search_path = public, pg_temp as
$$ select m.tenant_id, m.id, m.conversation_id from messages m
   where m.send_state in ('claimed', 'sending') and m.send_lease_until < now()
   order by m.send_lease_until limit p_limit $$;
