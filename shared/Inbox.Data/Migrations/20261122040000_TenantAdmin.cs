using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// What tenant admins manage: a seat limit (active members, and pending invites when the tenant says so, count
/// against it), invites (only the SHA-256 of the token is stored), member deactivation, an append-only audit log,
/// WhatsApp numbers with a name and encrypted app secret and verify token, and each number's health (last webhook,
/// signature failures per hour, last send error). An invite is opened before any tenant is known, and a webhook's
/// signature can fail before its number is trusted: both go through narrow SECURITY DEFINER functions.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261122040000_TenantAdmin")]
public sealed class TenantAdmin : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table tenants
            add column seat_limit integer not null default 10 check (seat_limit between 1 and 100000),
            add column count_pending_invites boolean not null default true;

        alter table memberships add column deactivated_at timestamptz;

        create table invites (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            email text not null,
            role text not null check (role in ('admin', 'agent')),
            token_hash bytea not null unique,
            invited_by uuid not null references users (id),
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            accepted_at timestamptz,
            accepted_by uuid references users (id),
            revoked_at timestamptz
        );
        -- One open invite per address (an expired one is revoked before a new one is written).
        create unique index ux_invites_open_email on invites (tenant_id, lower(email))
            where accepted_at is null and revoked_at is null;

        -- Append-only: inbox_app may insert and read, never change or delete.
        create table audit_log (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            at timestamptz not null default now(),
            actor_user_id uuid references users (id),
            action text not null,
            target_type text not null,
            target_id text,
            before jsonb,
            after jsonb
        );
        create index ix_audit_log_recent on audit_log (tenant_id, at desc, id desc);

        alter table channels
            add column name text not null default '',
            add column app_secret_encrypted bytea,
            add column verify_token_encrypted bytea,
            add column updated_at timestamptz not null default now();
        update channels set name = display_phone_number where name = '';

        create table channel_health (
            channel_id uuid primary key references channels (id),
            tenant_id uuid not null references tenants (id),
            last_webhook_at timestamptz,
            last_send_error_at timestamptz,
            last_send_error text
        );

        -- Bad signatures per number and hour: bounded however many forged requests come in.
        create table channel_signature_failures (
            channel_id uuid not null references channels (id),
            tenant_id uuid not null references tenants (id),
            hour timestamptz not null,
            failures integer not null,
            primary key (channel_id, hour)
        );

        do $$
        declare t text;
        begin
            foreach t in array array['invites', 'audit_log', 'channel_health', 'channel_signature_failures'] loop
                execute format('alter table %I enable row level security', t);
                execute format('alter table %I force row level security', t);
                execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) '
                    'with check (tenant_id = current_tenant_id())', t);
            end loop;
        end $$;
        grant select, insert, update, delete on invites, channel_health, channel_signature_failures to inbox_app;
        grant select, insert on audit_log to inbox_app;

        -- An invitee opens the link before any tenant is known: the invite its token hash names, nothing else.
        create function invite_lookup(p_token_hash bytea)
            returns table (invite_id uuid, tenant_id uuid, tenant_name text, email text, role text, expires_at timestamptz,
                           accepted_at timestamptz, revoked_at timestamptz)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select i.id, i.tenant_id, t.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at
           from invites i join tenants t on t.id = i.tenant_id where i.token_hash = p_token_hash $$;

        -- Webhook health, recorded after the envelope's own transaction (it must never hold a lock there).
        create function channel_webhook_seen(p_phone_number_ids text[]) returns void
            language sql volatile security definer set search_path = public, pg_temp as
        $$ insert into channel_health as h (channel_id, tenant_id, last_webhook_at)
           select c.id, c.tenant_id, now() from channels c where c.phone_number_id = any (p_phone_number_ids)
           on conflict (channel_id) do update set last_webhook_at = excluded.last_webhook_at $$;

        -- A bad signature, attributed to the number named in the (untrusted) body; nothing else is stored.
        create function channel_signature_failed(p_phone_number_id text) returns void
            language sql volatile security definer set search_path = public, pg_temp as
        $$
            insert into channel_signature_failures as f (channel_id, tenant_id, hour, failures)
            select c.id, c.tenant_id, date_trunc('hour', now()), 1 from channels c where c.phone_number_id = p_phone_number_id
            on conflict (channel_id, hour) do update set failures = f.failures + 1;
            delete from channel_signature_failures
            where hour < now() - interval '2 days'
              and channel_id = (select c.id from channels c where c.phone_number_id = p_phone_number_id);
        $$;

        grant select on invites, audit_log, channel_health, channel_signature_failures to inbox_system;
        grant insert, update on channel_health to inbox_system;
        grant insert, update, delete on channel_signature_failures to inbox_system;
        alter function invite_lookup(bytea) owner to inbox_system;
        alter function channel_webhook_seen(text[]) owner to inbox_system;
        alter function channel_signature_failed(text) owner to inbox_system;
        revoke execute on function invite_lookup(bytea), channel_webhook_seen(text[]), channel_signature_failed(text) from public;
        grant execute on function invite_lookup(bytea), channel_webhook_seen(text[]), channel_signature_failed(text) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists channel_signature_failed(text), channel_webhook_seen(text[]), invite_lookup(bytea);
        drop table if exists channel_signature_failures, channel_health, audit_log, invites;
        alter table channels drop column name, drop column app_secret_encrypted, drop column verify_token_encrypted,
            drop column updated_at;
        alter table memberships drop column deactivated_at;
        alter table tenants drop column seat_limit, drop column count_pending_invites;
        """);
}
