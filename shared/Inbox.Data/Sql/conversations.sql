create or replace function resolve_conversation(p_tenant_id uuid, p_channel_id uuid, p_contact_id uuid, p_new_id uuid)
    returns uuid language plpgsql volatile set search_path = public, pg_temp as
$$
declare v_conversation uuid;
begin
    -- Nearly every message is in a conversation that exists: look first, insert only when missing (or raced).
    select c.id into v_conversation from conversations c
    where c.channel_id = p_channel_id and c.contact_id = p_contact_id;
    if v_conversation is not null then return v_conversation; end if;
    insert into conversations (id, tenant_id, channel_id, contact_id)
    values (p_new_id, p_tenant_id, p_channel_id, p_contact_id)
    on conflict (channel_id, contact_id) do nothing
    returning id into v_conversation;
    if v_conversation is null then
        select c.id into v_conversation from conversations c
        where c.channel_id = p_channel_id and c.contact_id = p_contact_id;
    end if;
    return v_conversation;
end
$$;

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

-- Timers across tenants (snooze ends, inactivity, the 24-hour window): which tenants have due work.
-- Each tenant's rows are then changed under its own row-level security.
create or replace function conversations_due(p_limit integer)
    returns table (tenant_id uuid, conversation_id uuid, reason text)
    language sql stable security definer set search_path = public, pg_temp as
$$
    (select c.tenant_id, c.id, 'snooze_ended' from conversations c
     where c.status = 'snoozed' and c.snoozed_until <= now() order by c.snoozed_until limit p_limit)
    union all
    (select c.tenant_id, c.id, 'inactive' from conversations c join tenants t on t.id = c.tenant_id
     where t.auto_resolve_after is not null and c.status in ('open', 'pending')
       and c.last_activity_at <= now() - t.auto_resolve_after
     order by c.last_activity_at limit p_limit)
    union all
    (select c.tenant_id, c.id, 'window_closed' from conversations c
     where c.window_closes_at <= now() and c.window_closed_at is distinct from c.window_closes_at
     order by c.window_closes_at limit p_limit)
$$;
