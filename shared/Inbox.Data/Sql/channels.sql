create or replace function resolve_channel(p_phone_number_id text)
    returns table (channel_id uuid, tenant_id uuid, active boolean)
    language plpgsql stable security definer set search_path = public, pg_temp as
$$
begin
    return query select c.id, c.tenant_id, c.active from channels c where c.phone_number_id = p_phone_number_id;
end
$$;

create or replace function channel_app_secrets(p_phone_number_ids text[])
    returns table (phone_number_id text, app_secret_encrypted bytea)
    language sql stable security definer set search_path = public, pg_temp as
$$ select c.phone_number_id, c.app_secret_encrypted from channels c where c.phone_number_id = any (p_phone_number_ids) $$;

create or replace function channel_verify_tokens() returns setof bytea
    language sql stable security definer set search_path = public, pg_temp as
$$ select c.verify_token_encrypted from channels c where c.verify_token_encrypted is not null and c.active $$;

-- A bad signature, attributed to the number named in the (untrusted) body; nothing else is stored.
create or replace function channel_signature_failed(p_phone_number_id text) returns void
    language sql volatile security definer set search_path = public, pg_temp as
$$
    insert into channel_signature_failures as f (channel_id, tenant_id, hour, failures)
    select c.id, c.tenant_id, date_trunc('hour', now()), 1 from channels c where c.phone_number_id = p_phone_number_id
    on conflict (channel_id, hour) do update set failures = f.failures + 1;
    delete from channel_signature_failures
    where hour < now() - interval '2 days'
      and channel_id = (select c.id from channels c where c.phone_number_id = p_phone_number_id);
$$;

-- Webhook health, recorded after the envelope's own transaction (it must never hold a lock there).
create or replace function channel_webhook_seen(p_phone_number_ids text[]) returns void
    language sql volatile security definer set search_path = public, pg_temp as
$$ insert into channel_health as h (channel_id, tenant_id, last_webhook_at)
   select c.id, c.tenant_id, now() from channels c where c.phone_number_id = any (p_phone_number_ids)
   on conflict (channel_id) do update set last_webhook_at = excluded.last_webhook_at $$;
