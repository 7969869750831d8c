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

-- A refresh knows its tenant only from its token: the tenant of a token hash, nothing else (the rotation itself runs
-- in C#, under that tenant's row-level security).
create or replace function auth_refresh_token_tenant(p_hash bytea)
    returns uuid
    language sql stable security definer set search_path = public, pg_temp as
$$ select tenant_id from refresh_tokens where token_hash = p_hash $$;

-- An invitee opens the link before any tenant is known: the invite its token hash names, nothing else.
create or replace function invite_lookup(p_token_hash bytea)
    returns table (invite_id uuid, tenant_id uuid, tenant_name text, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp as
$$ select i.id, i.tenant_id, t.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
   from invites i join tenants t on t.id = i.tenant_id where i.token_hash = p_token_hash $$;
