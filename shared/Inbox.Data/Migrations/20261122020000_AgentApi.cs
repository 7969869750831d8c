using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// What agents work with: sessions (rotating, revocable refresh tokens stored hashed), per-tenant settings,
/// conversation workflow (assignee, status with snooze, priority, labels, per-agent read cursors, timers),
/// outbound messages (sender, Idempotency-Key, send bookkeeping), private notes, canned responses, contact
/// attributes and a small per-tenant template catalog. A conversation reopens when its customer writes again.
/// No trigram indexes for text search: under row-level security PostgreSQL evaluates the policy before a
/// non-leakproof ILIKE, so such an index is never used (seen with EXPLAIN) and would only slow every insert.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261122020000_AgentApi")]
public sealed class AgentApi : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        -- Tenant settings: read receipts to WhatsApp when an agent reads; auto-resolve after inactivity.
        alter table tenants
            add column read_receipts boolean not null default false,
            add column auto_resolve_after interval check (auto_resolve_after > interval '0');

        -- Sessions: one per login; each refresh rotates the token inside the session. Reusing a rotated token
        -- revokes the whole session (it was stolen or replayed). Access tokens name their session (sid).
        create table auth_sessions (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            user_id uuid not null references users (id),
            created_at timestamptz not null default now(),
            revoked_at timestamptz
        );
        create index ix_auth_sessions_user on auth_sessions (tenant_id, user_id);

        create table refresh_tokens (
            token_hash bytea primary key,
            session_id uuid not null references auth_sessions (id),
            tenant_id uuid not null references tenants (id),
            expires_at timestamptz not null,
            created_at timestamptz not null default now(),
            used_at timestamptz
        );
        create index ix_refresh_tokens_session on refresh_tokens (session_id);

        alter table contacts add column attributes jsonb not null default '{}'::jsonb
            check (jsonb_typeof(attributes) = 'object');

        alter table conversations
            add constraint conversations_status_check check (status in ('open', 'pending', 'resolved', 'snoozed')),
            add column assignee_id uuid references users (id),
            add column priority text not null default 'none'
                check (priority in ('none', 'low', 'medium', 'high', 'urgent')),
            add column labels text[] not null default '{}',
            add column snoozed_until timestamptz,
            add column last_activity_at timestamptz not null default now(),
            add column window_closed_at timestamptz,
            add column read_receipt_message_id uuid,
            add column activity_at timestamptz generated always as (coalesce(last_message_at, created_at)) stored,
            add constraint conversations_snooze_check check ((status = 'snoozed') = (snoozed_until is not null));
        update conversations set last_activity_at = coalesce(last_message_at, created_at);
        create index ix_conversations_tenant_activity on conversations (tenant_id, activity_at desc, id desc);
        create index ix_conversations_labels on conversations using gin (labels);
        create index ix_conversations_snoozed on conversations (snoozed_until) where status = 'snoozed';
        create index ix_conversations_window on conversations (window_closes_at)
            where window_closes_at is not null and window_closed_at is distinct from window_closes_at;

        -- Where each agent has read a conversation up to (their unread count), apart from the customer's ticks.
        create table conversation_reads (
            tenant_id uuid not null references tenants (id),
            conversation_id uuid not null references conversations (id),
            user_id uuid not null references users (id),
            last_read_at timestamptz not null,
            primary key (conversation_id, user_id)
        );

        -- Outbound and notes: who wrote it, the client's Idempotency-Key with a hash of its request, and the
        -- send's own bookkeeping (pending → sending → accepted | failed | unknown), apart from WhatsApp's status.
        alter table messages
            add column sender_user_id uuid references users (id),
            add column idempotency_key text,
            add column request_hash text,
            add column send_state text check (send_state in ('pending', 'sending', 'accepted', 'failed', 'unknown')),
            add column send_attempts integer not null default 0;
        create unique index ux_messages_idempotency on messages (tenant_id, sender_user_id, idempotency_key)
            where idempotency_key is not null;

        create table canned_responses (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            owner_user_id uuid references users (id), -- null: tenant-wide
            short_code text not null check (length(short_code) between 1 and 50),
            content text not null check (length(content) between 1 and 4096),
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now()
        );
        create unique index ux_canned_responses_code on canned_responses
            (tenant_id, coalesce(owner_user_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(short_code));

        -- Approved WhatsApp templates a tenant may send (Meta's template API is not reachable here).
        create table message_templates (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            name text not null,
            language text not null,
            category text not null default 'utility',
            status text not null default 'approved' check (status in ('approved', 'paused', 'disabled')),
            body text not null,
            created_at timestamptz not null default now()
        );
        create unique index ux_message_templates on message_templates (tenant_id, name, language);

        do $$
        declare t text;
        begin
            foreach t in array array['auth_sessions', 'refresh_tokens', 'conversation_reads', 'canned_responses',
                                     'message_templates'] loop
                execute format('alter table %I enable row level security', t);
                execute format('alter table %I force row level security', t);
                execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) '
                    'with check (tenant_id = current_tenant_id())', t);
            end loop;
        end $$;
        grant select, insert, update, delete on auth_sessions, refresh_tokens, conversation_reads, canned_responses,
            message_templates to inbox_app;

        -- A customer message reaches the conversation: as before, and a resolved or snoozed conversation reopens.
        -- Activity is now; a window already over on arrival counts as announced (window_closed_at).
        create or replace function touch_conversation(p_conversation_id uuid, p_at timestamptz, p_preview text,
                                                      p_opens_window boolean, p_counts_unread boolean)
            returns void language sql volatile set search_path = public, pg_temp as
        $$
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
            where c.id = p_conversation_id
        $$;

        -- A status for a wamid not known yet whose biz_opaque_callback_data names one of this channel's outbound
        -- messages still without a wamid: the send's answer was lost (timeout, crash), the webhook tells it.
        create function reconcile_outbound_wamid(p_channel_id uuid, p_message_id uuid, p_wamid text)
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

        -- Sessions are checked on every API request (a deactivated member or a revoked session is refused at once),
        -- and refresh tokens are presented before any tenant is known: narrow functions owned by inbox_system.
        create function auth_session_active(p_session_id uuid, p_user_id uuid, p_tenant_id uuid)
            returns text language sql stable security definer set search_path = public, pg_temp as
        $$ select m.role from auth_sessions s join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
           where s.id = p_session_id and s.user_id = p_user_id and s.tenant_id = p_tenant_id
             and s.revoked_at is null and m.active $$;

        -- Rotates a refresh token: the presented one is used up and a new one issued in the same session.
        -- Outcome: ok | unknown | expired | reused (the session is then revoked) | revoked | inactive.
        create function auth_rotate_refresh_token(p_hash bytea, p_new_hash bytea, p_expires_at timestamptz)
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
                update auth_sessions set revoked_at = coalesce(revoked_at, now()) where id = s.id;
                return query select 'reused', s.id, s.user_id, s.tenant_id, null::text; return;
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
            update refresh_tokens set used_at = now() where token_hash = p_hash;
            insert into refresh_tokens (token_hash, session_id, tenant_id, expires_at)
            values (p_new_hash, s.id, s.tenant_id, p_expires_at);
            return query select 'ok', s.id, s.user_id, s.tenant_id, v_role;
        end
        $$;

        -- Timers across tenants (snooze ends, inactivity, the 24-hour window): which tenants have due work.
        -- Each tenant's rows are then changed under its own row-level security.
        create function conversations_due(p_limit integer)
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

        grant select on auth_sessions, refresh_tokens to inbox_system;
        grant insert, update on auth_sessions, refresh_tokens to inbox_system;
        alter function auth_session_active(uuid, uuid, uuid) owner to inbox_system;
        alter function auth_rotate_refresh_token(bytea, bytea, timestamptz) owner to inbox_system;
        alter function conversations_due(integer) owner to inbox_system;

        revoke execute on all functions in schema public from public;
        grant execute on function touch_conversation(uuid, timestamptz, text, boolean, boolean),
            reconcile_outbound_wamid(uuid, uuid, text), auth_session_active(uuid, uuid, uuid),
            auth_rotate_refresh_token(bytea, bytea, timestamptz), conversations_due(integer)
            to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists conversations_due(integer), auth_rotate_refresh_token(bytea, bytea, timestamptz),
            auth_session_active(uuid, uuid, uuid), reconcile_outbound_wamid(uuid, uuid, text);
        drop table if exists message_templates, canned_responses, conversation_reads, refresh_tokens, auth_sessions;
        drop index if exists ux_messages_idempotency;
        alter table messages drop column sender_user_id, drop column idempotency_key, drop column request_hash,
            drop column send_state, drop column send_attempts;
        alter table conversations drop constraint conversations_snooze_check, drop constraint conversations_status_check,
            drop column activity_at, drop column assignee_id, drop column priority, drop column labels,
            drop column snoozed_until, drop column last_activity_at, drop column window_closed_at,
            drop column read_receipt_message_id;
        alter table contacts drop column attributes;
        alter table tenants drop column read_receipts, drop column auto_resolve_after;
        """);
}
