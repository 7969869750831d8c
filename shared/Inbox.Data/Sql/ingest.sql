-- One inbound message of any type in one round trip; a known wamid is a no-op.
create or replace function ingest_inbound_message(
    p_tenant_id uuid, p_channel_id uuid, p_wa_id text, p_bsuid text, p_contact_name text,
    p_new_contact_id uuid, p_new_conversation_id uuid, p_message_id uuid, p_wamid text, p_type text,
    p_text text, p_content jsonb, p_payload jsonb, p_sent_at timestamptz, p_preview text,
    p_reply_to_wamid text, p_forwarded text, p_referral jsonb, p_opens_window boolean, p_new_wa_id text,
    p_media jsonb, p_new_media_id uuid)
    returns table (message_id uuid, conversation_id uuid, contact_id uuid, inserted boolean, media_file_id uuid)
    language plpgsql volatile set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    v_contact uuid := resolve_contact(p_tenant_id, p_wa_id, p_bsuid, p_contact_name, p_new_contact_id);
    v_conversation uuid := resolve_conversation(p_tenant_id, p_channel_id, v_contact, p_new_conversation_id);
    v_message uuid;
    v_media uuid;
begin
    insert into messages (id, tenant_id, conversation_id, channel_id, wamid, direction, type, text, content,
                          payload, sent_at, reply_to_wamid, forwarded, referral, media_status)
    values (p_message_id, p_tenant_id, v_conversation, p_channel_id, p_wamid, 'inbound', p_type, p_text,
            p_content, p_payload, p_sent_at, p_reply_to_wamid, p_forwarded, p_referral,
            case when p_media is not null then 'pending' end)
    on conflict (channel_id, wamid) do nothing
    returning id into v_message;
    if v_message is null then
        return query select m.id, m.conversation_id, v_contact, false, null::uuid
                     from messages m where m.channel_id = p_channel_id and m.wamid = p_wamid;
        return;
    end if;

    if p_media is not null then
        insert into media_files (id, tenant_id, message_id, channel_id, whatsapp_media_id, mime_type, sha256,
                                 filename, file_size)
        values (p_new_media_id, p_tenant_id, v_message, p_channel_id, p_media->>'id', p_media->>'mime_type',
                p_media->>'sha256', p_media->>'filename', (p_media->>'file_size')::bigint)
        returning id into v_media;
    end if;

    -- The customer changed number: the contact follows, unless another contact already has that number.
    if p_new_wa_id is not null and not exists (
        select 1 from contacts c where c.tenant_id = p_tenant_id and c.wa_id = p_new_wa_id) then
        update contacts set wa_id = p_new_wa_id, updated_at = now() where id = v_contact;
    end if;

    perform touch_conversation(v_conversation, p_sent_at, p_preview, p_opens_window, p_opens_window);
    return query select v_message, v_conversation, v_contact, true, v_media;
end
$$;

-- A reaction attaches to its target message (known or not yet); the latest reaction of a contact wins,
-- and removal (no emoji) is kept as a row so that an older reaction arriving late cannot resurrect it.
create or replace function ingest_reaction(
    p_tenant_id uuid, p_channel_id uuid, p_wa_id text, p_bsuid text, p_contact_name text,
    p_new_contact_id uuid, p_new_conversation_id uuid, p_wamid text, p_target_wamid text, p_emoji text,
    p_reacted_at timestamptz)
    returns table (conversation_id uuid, target_message_id uuid, changed boolean)
    language plpgsql volatile set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    v_contact uuid := resolve_contact(p_tenant_id, p_wa_id, p_bsuid, p_contact_name, p_new_contact_id);
    v_conversation uuid := resolve_conversation(p_tenant_id, p_channel_id, v_contact, p_new_conversation_id);
    v_rows integer;
begin
    insert into message_reactions as r (tenant_id, channel_id, target_wamid, contact_id, emoji, reacted_at, wamid)
    values (p_tenant_id, p_channel_id, p_target_wamid, v_contact, nullif(p_emoji, ''), p_reacted_at, p_wamid)
    on conflict (channel_id, target_wamid, contact_id) do update
        set emoji = excluded.emoji, reacted_at = excluded.reacted_at, wamid = excluded.wamid
        where r.wamid <> excluded.wamid and excluded.reacted_at >= r.reacted_at;
    get diagnostics v_rows = row_count;
    perform touch_conversation(v_conversation, p_reacted_at, null, v_rows > 0, false);
    return query select v_conversation,
                        (select m.id from messages m where m.channel_id = p_channel_id and m.wamid = p_target_wamid),
                        v_rows > 0;
end
$$;

-- Contacts and conversations, found or created; shared by every kind of inbound item. p_name is the customer's
-- WhatsApp profile name: it is kept current in profile_name, never in name, which is only ever an agent's.
create or replace function resolve_contact(p_tenant_id uuid, p_wa_id text, p_bsuid text, p_name text, p_new_id uuid)
    returns uuid language plpgsql volatile set search_path = public, pg_temp as
$$
declare v_contact uuid;
begin
    for attempt in 1..2 loop
        -- BSUID first (the stable identity), then phone.
        select c.id into v_contact from contacts c
        where c.tenant_id = p_tenant_id
          and ((p_bsuid is not null and c.bsuid = p_bsuid) or (p_wa_id is not null and c.wa_id = p_wa_id))
        order by (c.bsuid is not distinct from p_bsuid) desc
        limit 1;
        exit when v_contact is not null;
        insert into contacts (id, tenant_id, wa_id, bsuid, profile_name)
        values (p_new_id, p_tenant_id, p_wa_id, p_bsuid, p_name)
        on conflict do nothing
        returning id into v_contact;
        if v_contact is not null then return v_contact; end if;
        -- else a concurrent webhook created it: read it again
    end loop;
    if v_contact is null then raise exception 'contact could not be resolved'; end if;
    update contacts set wa_id = coalesce(wa_id, p_wa_id), bsuid = coalesce(bsuid, p_bsuid),
                        profile_name = coalesce(p_name, profile_name), updated_at = now()
    where id = v_contact
      and (profile_name is distinct from coalesce(p_name, profile_name)
           or (wa_id is null and p_wa_id is not null) or (bsuid is null and p_bsuid is not null));
    return v_contact;
end
$$;

-- The delivery state machine. Each state keeps the time it was first reported; the visible status only
-- moves forward (sent < delivered < read < played); failed applies only over queued or sent and is final.
-- A duplicate changes nothing. A status for a wamid not yet known is parked until the message appears.
create or replace function apply_message_status(
    p_tenant_id uuid, p_channel_id uuid, p_wamid text, p_status text, p_at timestamptz,
    p_error_code integer, p_error_title text, p_error_details text, p_pricing_category text)
    returns table (message_id uuid, conversation_id uuid, status text, status_at timestamptz, changed boolean,
                   parked boolean)
    language plpgsql volatile set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    m messages%rowtype;
    v_status text;
begin
    if message_status_rank(p_status) < 1 and p_status <> 'failed' then
        raise exception 'unknown status %', p_status;
    end if;
    select * into m from messages where channel_id = p_channel_id and wamid = p_wamid for update;
    if not found then
        insert into pending_statuses (tenant_id, channel_id, wamid, status, status_at, error_code, error_title,
                                      error_details, pricing_category)
        values (p_tenant_id, p_channel_id, p_wamid, p_status, p_at, p_error_code, p_error_title,
                p_error_details, p_pricing_category)
        on conflict do nothing;
        return query select null::uuid, null::uuid, p_status, p_at, false, true;
        return;
    end if;

    v_status := case
        when m.status = 'failed' then m.status
        when p_status = 'failed' then case when m.status is null or m.status in ('queued', 'sent')
                                           then 'failed' else m.status end
        when message_status_rank(p_status) > message_status_rank(m.status) then p_status
        else m.status end;

    update messages set
        status = v_status,
        status_at = case when v_status is distinct from m.status then p_at else m.status_at end,
        status_sent_at = case when p_status = 'sent' then coalesce(m.status_sent_at, p_at) else m.status_sent_at end,
        status_delivered_at = case when p_status = 'delivered' then coalesce(m.status_delivered_at, p_at)
                                   else m.status_delivered_at end,
        status_read_at = case when p_status = 'read' then coalesce(m.status_read_at, p_at) else m.status_read_at end,
        status_played_at = case when p_status = 'played' then coalesce(m.status_played_at, p_at)
                                else m.status_played_at end,
        status_failed_at = case when p_status = 'failed' then coalesce(m.status_failed_at, p_at)
                                else m.status_failed_at end,
        error_code = case when v_status = 'failed' and m.status is distinct from 'failed' then p_error_code
                          else m.error_code end,
        error_title = case when v_status = 'failed' and m.status is distinct from 'failed' then p_error_title
                           else m.error_title end,
        error_details = case when v_status = 'failed' and m.status is distinct from 'failed' then p_error_details
                             else m.error_details end,
        pricing_category = coalesce(p_pricing_category, m.pricing_category)
    where id = m.id;
    return query select m.id, m.conversation_id, v_status,
                        case when v_status is distinct from m.status then p_at else m.status_at end,
                        v_status is distinct from m.status, false;
end
$$;

create or replace function message_status_rank(p_status text) returns integer language sql immutable as
$$ select case p_status when 'queued' then 0 when 'sent' then 1 when 'delivered' then 2
                        when 'read' then 3 when 'played' then 4 else -1 end $$;
