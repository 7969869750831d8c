create or replace function auth_find_user(p_email text)
    returns table (user_id uuid, display_name text, password_hash text)
    language sql stable security definer set search_path = public, pg_temp as
$$ select u.id, u.display_name, u.password_hash from users u where lower(u.email) = lower(p_email) $$;

create or replace function auth_memberships(p_user_id uuid)
    returns table (tenant_id uuid, tenant_slug text, role text, active boolean)
    language sql stable security definer set search_path = public, pg_temp as
$$ select m.tenant_id, t.slug, m.role, m.active
   from memberships m join tenants t on t.id = m.tenant_id where m.user_id = p_user_id $$;

create or replace function auth_session_active(p_session_id uuid, p_user_id uuid, p_tenant_id uuid)
    returns text language plpgsql stable security definer set search_path = public, pg_temp as
$$
begin
    return (select m.role from auth_sessions s join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
            where s.id = p_session_id and s.user_id = p_user_id and s.tenant_id = p_tenant_id
              and s.revoked_at is null and m.active);
end
$$;

-- Rotates a refresh token: the presented one is used up and a new one issued in the same session.
-- Outcome: ok | unknown | expired | reused (the session is then revoked) | revoked | inactive.
create or replace function auth_rotate_refresh_token(p_hash bytea, p_new_hash bytea, p_expires_at timestamptz,
                                                     p_retry_grace interval)
    returns table (outcome text, session_id uuid, user_id uuid, tenant_id uuid, role text)
    language plpgsql volatile security definer set search_path = public, pg_temp as
$$
#variable_conflict use_column
declare
    t refresh_tokens%rowtype;
    s auth_sessions%rowtype;
    v_role text;
begin
    select * into t from refresh_tokens where token_hash = p_hash for update;
    if not found then
        return query select 'unknown', null::uuid, null::uuid, null::uuid, null::text; return;
    end if;
    select * into s from auth_sessions where id = t.session_id for update;
    if t.used_at is not null then
        -- A lost answer retried: used moments ago, and the successor it got was never presented. The client
        -- cannot have both, so the unseen successor is retired (no replaced_by: presenting it is a reuse).
        if s.revoked_at is null and t.used_at > now() - p_retry_grace and t.replaced_by is not null
           and exists (select 1 from refresh_tokens n where n.token_hash = t.replaced_by and n.used_at is null) then
            update refresh_tokens set used_at = now() where token_hash = t.replaced_by;
        else
            update auth_sessions set revoked_at = coalesce(revoked_at, now()) where id = s.id;
            return query select 'reused', s.id, s.user_id, s.tenant_id, null::text; return;
        end if;
    end if;
    if s.revoked_at is not null then
        return query select 'revoked', s.id, s.user_id, s.tenant_id, null::text; return;
    end if;
    if t.expires_at <= now() then
        return query select 'expired', s.id, s.user_id, s.tenant_id, null::text; return;
    end if;
    select m.role into v_role from memberships m where m.tenant_id = s.tenant_id and m.user_id = s.user_id and m.active;
    if v_role is null then
        update auth_sessions set revoked_at = now() where id = s.id;
        return query select 'inactive', s.id, s.user_id, s.tenant_id, null::text; return;
    end if;
    -- used_at keeps the first use: retries do not stretch the grace.
    update refresh_tokens set used_at = coalesce(used_at, now()), replaced_by = p_new_hash where token_hash = p_hash;
    insert into refresh_tokens (token_hash, session_id, tenant_id, expires_at)
    values (p_new_hash, s.id, s.tenant_id, p_expires_at);
    return query select 'ok', s.id, s.user_id, s.tenant_id, v_role;
end
$$;

-- An invitee opens the link before any tenant is known: the invite its token hash names, nothing else.
create or replace function invite_lookup(p_token_hash bytea)
    returns table (invite_id uuid, tenant_id uuid, tenant_name text, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp as
$$ select i.id, i.tenant_id, t.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
   from invites i join tenants t on t.id = i.tenant_id where i.token_hash = p_token_hash $$;
