-- The numbers of a WhatsApp Business Account: Meta's template webhooks name only the account (entry.id).
create or replace function resolve_waba(p_waba_id text) returns table (tenant_id uuid, channel_id uuid, active boolean)
    language sql stable security definer set search_path = public, pg_temp as
$$ select c.tenant_id, c.id, c.active from channels c where c.waba_id = p_waba_id order by c.created_at $$;

-- Claims the numbers whose templates are due to be read: never read, read longer than p_every ago, or whose last
-- read failed longer than p_retry ago. The claim (template_sync_attempted_at = now()) is re-checked on the locked
-- row, so two Workers never read the same number at once.
create or replace function template_syncs_due(p_every interval, p_retry interval, p_limit integer)
    returns table (tenant_id uuid, channel_id uuid)
    language sql volatile security definer set search_path = public, pg_temp as
$$
    insert into channel_health as h (channel_id, tenant_id, template_sync_attempted_at)
    select c.id, c.tenant_id, now()
    from channels c left join channel_health d on d.channel_id = c.id
    where c.active and c.access_token_encrypted is not null
      and (d.template_sync_attempted_at is null
           or d.template_sync_attempted_at < now() - case when d.template_sync_error is null then p_every else p_retry end)
    order by d.template_sync_attempted_at nulls first
    limit p_limit
    on conflict (channel_id) do update set template_sync_attempted_at = now()
        where h.template_sync_attempted_at is null
           or h.template_sync_attempted_at < now() - case when h.template_sync_error is null then p_every else p_retry end
    returning h.tenant_id, h.channel_id
$$;

-- A template's status from Meta's webhook, unless something newer is known already (a later webhook, or a read of
-- the templates that began after it was sent). known: the template is stored here (else its account is read again).
create or replace function apply_template_status(p_tenant_id uuid, p_waba_id text, p_name text, p_language text,
                                                 p_external_id text, p_status text, p_reason text, p_detail text,
                                                 p_category text, p_at timestamptz)
    returns table (known boolean, changed boolean)
    language sql volatile set search_path = public, pg_temp as
$$
    with updated as (
        update message_templates t
        set status = p_status, status_reason = p_reason, status_detail = p_detail, status_at = p_at,
            external_id = coalesce(p_external_id, t.external_id), category = coalesce(p_category, t.category),
            updated_at = now()
        where t.tenant_id = p_tenant_id and t.waba_id = p_waba_id and t.name = p_name and t.language = p_language
          and t.status_at <= p_at
        returning 1)
    select exists (select 1 from message_templates t
                   where t.tenant_id = p_tenant_id and t.waba_id = p_waba_id and t.name = p_name and t.language = p_language),
           exists (select 1 from updated)
$$;

-- Stores one complete read of an account's templates (p_templates: a JSON array, one object per template and
-- language): each is inserted or updated by (account, name, language) — its status only when the read is newer than
-- what a webhook said, Meta's explanation kept while the status stays — and the templates the account no longer has
-- are removed, with those of accounts no number of the tenant belongs to any more.
create or replace function store_synced_templates(p_tenant_id uuid, p_waba_id text, p_read_at timestamptz, p_templates jsonb)
    returns table (stored integer, removed integer)
    language plpgsql volatile set search_path = public, pg_temp as
$$
declare
    v_stored integer;
    v_removed integer;
begin
    insert into message_templates as t (id, tenant_id, waba_id, external_id, name, language, category, status,
                                        status_reason, status_at, components, parameter_format, body)
    select x.id, p_tenant_id, p_waba_id, x.external_id, x.name, x.language, x.category, x.status, x.status_reason,
           p_read_at, coalesce(x.components, '[]'), x.parameter_format, coalesce(x.body, '')
    from jsonb_to_recordset(p_templates) as x(id uuid, external_id text, name text, language text, category text,
                                              status text, status_reason text, components jsonb, parameter_format text,
                                              body text)
    on conflict (tenant_id, waba_id, name, language) do update set
        external_id = excluded.external_id, category = excluded.category, components = excluded.components,
        parameter_format = excluded.parameter_format, body = excluded.body, updated_at = now(),
        status = case when t.status_at > excluded.status_at then t.status else excluded.status end,
        status_reason = case when t.status_at > excluded.status_at then t.status_reason else excluded.status_reason end,
        status_detail = case when t.status_at > excluded.status_at or t.status = excluded.status then t.status_detail end,
        status_at = greatest(t.status_at, excluded.status_at);
    get diagnostics v_stored = row_count;

    delete from message_templates t
    where t.tenant_id = p_tenant_id
      and ((t.waba_id = p_waba_id
            and not exists (select 1 from jsonb_to_recordset(p_templates) as x(name text, language text)
                            where x.name = t.name and x.language = t.language))
           or not exists (select 1 from channels c where c.tenant_id = p_tenant_id and c.waba_id = t.waba_id));
    get diagnostics v_removed = row_count;
    return query select v_stored, v_removed;
end
$$;
