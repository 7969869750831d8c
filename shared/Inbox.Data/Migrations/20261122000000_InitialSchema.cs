using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// The first schema, written by hand (EF's design-time package is not served here).
/// Runs as the owner role (inbox_owner). Services connect as inbox_app, which row-level security binds to the
/// tenant set on its connection (app.tenant_id); the few lookups that must cross tenants — routing a webhook by
/// phone_number_id, finding a user at login, relaying the outbox — are SECURITY DEFINER functions owned by
/// inbox_system, the one role that bypasses RLS. Roles are created by `./inbox` (they are cluster-wide).
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261122000000_InitialSchema")]
public sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create function current_tenant_id() returns uuid language sql stable as
        $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

        create table tenants (
            id uuid primary key,
            slug text not null unique,
            name text not null,
            created_at timestamptz not null default now()
        );

        create table users (
            id uuid primary key,
            email text not null,
            display_name text not null,
            password_hash text not null,
            created_at timestamptz not null default now()
        );
        create unique index ux_users_email on users (lower(email));

        create table memberships (
            tenant_id uuid not null references tenants (id),
            user_id uuid not null references users (id),
            role text not null check (role in ('owner', 'admin', 'agent')),
            active boolean not null default true,
            created_at timestamptz not null default now(),
            primary key (tenant_id, user_id)
        );
        create index ix_memberships_user on memberships (user_id);

        create table channels (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            phone_number_id text not null,
            waba_id text not null,
            display_phone_number text not null,
            access_token_encrypted bytea,
            active boolean not null default true,
            created_at timestamptz not null default now()
        );
        create unique index ux_channels_phone_number_id on channels (phone_number_id);
        create index ix_channels_tenant on channels (tenant_id);

        create table contacts (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            wa_id text,
            bsuid varchar(256),
            name text,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            check (wa_id is not null or bsuid is not null)
        );
        create unique index ux_contacts_wa_id on contacts (tenant_id, wa_id) where wa_id is not null;
        create unique index ux_contacts_bsuid on contacts (tenant_id, bsuid) where bsuid is not null;

        create table conversations (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            channel_id uuid not null references channels (id),
            contact_id uuid not null references contacts (id),
            status text not null default 'open',
            last_message_at timestamptz,
            last_inbound_at timestamptz,
            last_message_preview text,
            unread_count integer not null default 0,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now()
        );
        create unique index ux_conversations_channel_contact on conversations (channel_id, contact_id);
        create index ix_conversations_tenant_recent on conversations (tenant_id, last_message_at desc, id desc);

        create table messages (
            id uuid primary key,
            tenant_id uuid not null references tenants (id),
            conversation_id uuid not null references conversations (id),
            channel_id uuid not null references channels (id),
            wamid text,
            direction text not null check (direction in ('inbound', 'outbound')),
            type text not null,
            text text,
            payload jsonb,
            sent_at timestamptz not null,
            created_at timestamptz not null default now()
        );
        create unique index ux_messages_channel_wamid on messages (channel_id, wamid);
        create index ix_messages_conversation_recent on messages (conversation_id, sent_at desc, id desc);

        create table webhook_ledger (
            id bigint generated always as identity primary key,
            received_at timestamptz not null default now(),
            signature text not null,
            body bytea not null,
            outcome text not null,
            detail jsonb
        );
        create index ix_webhook_ledger_received on webhook_ledger (received_at);

        create table outbox (
            id bigint generated always as identity primary key,
            tenant_id uuid not null references tenants (id),
            message_type text not null,
            payload jsonb not null,
            created_at timestamptz not null default now(),
            published_at timestamptz
        );
        create index ix_outbox_unpublished on outbox (id) where published_at is null;

        -- Row-level security: ENABLE + FORCE, so even the table owner is bound by it.
        alter table tenants enable row level security;
        alter table tenants force row level security;
        create policy tenant_isolation on tenants
            using (id = current_tenant_id()) with check (id = current_tenant_id());

        alter table users enable row level security;
        alter table users force row level security;
        create policy members_of_tenant on users for select
            using (exists (select 1 from memberships m where m.user_id = users.id));
        create policy members_of_tenant_update on users for update
            using (exists (select 1 from memberships m where m.user_id = users.id));
        create policy anyone_signs_up on users for insert with check (true);

        do $$
        declare t text;
        begin
            foreach t in array array['memberships', 'channels', 'contacts', 'conversations', 'messages', 'outbox'] loop
                execute format('alter table %I enable row level security', t);
                execute format('alter table %I force row level security', t);
                execute format('create policy tenant_isolation on %I using (tenant_id = current_tenant_id()) '
                    'with check (tenant_id = current_tenant_id())', t);
            end loop;
        end $$;


        -- One inbound message in one round trip: find or create the contact (BSUID first, the stable identity,
        -- then phone) and its conversation, insert the message unless its wamid is known, and move the
        -- conversation on. Runs as the caller, so row-level security applies to every statement.
        create function ingest_inbound_message(
            p_tenant_id uuid, p_channel_id uuid, p_wa_id text, p_bsuid text, p_contact_name text,
            p_new_contact_id uuid, p_new_conversation_id uuid, p_message_id uuid, p_wamid text, p_type text,
            p_text text, p_payload jsonb, p_sent_at timestamptz, p_preview text)
            returns table (message_id uuid, conversation_id uuid, contact_id uuid, inserted boolean)
            language plpgsql volatile set search_path = public, pg_temp as
        $$
        #variable_conflict use_column
        declare
            v_contact uuid;
            v_conversation uuid;
            v_message uuid;
        begin
            for attempt in 1..2 loop
                select c.id into v_contact from contacts c
                where c.tenant_id = p_tenant_id
                  and ((p_bsuid is not null and c.bsuid = p_bsuid) or (p_wa_id is not null and c.wa_id = p_wa_id))
                order by (c.bsuid is not distinct from p_bsuid) desc
                limit 1;
                exit when v_contact is not null;
                insert into contacts (id, tenant_id, wa_id, bsuid, name)
                values (p_new_contact_id, p_tenant_id, p_wa_id, p_bsuid, p_contact_name)
                on conflict do nothing
                returning id into v_contact;
                exit when v_contact is not null; -- else a concurrent webhook created it: read it again
            end loop;
            if v_contact is null then
                raise exception 'contact could not be resolved';
            end if;
            update contacts set wa_id = coalesce(wa_id, p_wa_id), bsuid = coalesce(bsuid, p_bsuid),
                                name = coalesce(p_contact_name, name), updated_at = now()
            where id = v_contact
              and (name is distinct from coalesce(p_contact_name, name)
                   or (wa_id is null and p_wa_id is not null) or (bsuid is null and p_bsuid is not null));

            insert into conversations (id, tenant_id, channel_id, contact_id)
            values (p_new_conversation_id, p_tenant_id, p_channel_id, v_contact)
            on conflict (channel_id, contact_id) do nothing;
            select c.id into v_conversation from conversations c
            where c.channel_id = p_channel_id and c.contact_id = v_contact;

            insert into messages (id, tenant_id, conversation_id, channel_id, wamid, direction, type, text, payload, sent_at)
            values (p_message_id, p_tenant_id, v_conversation, p_channel_id, p_wamid, 'inbound', p_type, p_text,
                    p_payload, p_sent_at)
            on conflict (channel_id, wamid) do nothing
            returning id into v_message;
            if v_message is null then
                return query select m.id, m.conversation_id, v_contact, false
                             from messages m where m.channel_id = p_channel_id and m.wamid = p_wamid;
                return;
            end if;

            update conversations c set
                last_message_preview = case when c.last_message_at is null or p_sent_at >= c.last_message_at
                                            then p_preview else c.last_message_preview end,
                last_message_at = greatest(c.last_message_at, p_sent_at),
                last_inbound_at = greatest(c.last_inbound_at, p_sent_at),
                unread_count = c.unread_count + 1,
                updated_at = now()
            where c.id = v_conversation;
            return query select v_message, v_conversation, v_contact, true;
        end
        $$;

        -- The only cross-tenant reads, each narrow, owned by the RLS-bypassing inbox_system role.
        create function resolve_channel(p_phone_number_id text)
            returns table (channel_id uuid, tenant_id uuid, active boolean)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select c.id, c.tenant_id, c.active from channels c where c.phone_number_id = p_phone_number_id $$;

        create function auth_find_user(p_email text)
            returns table (user_id uuid, display_name text, password_hash text)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select u.id, u.display_name, u.password_hash from users u where lower(u.email) = lower(p_email) $$;

        create function auth_memberships(p_user_id uuid)
            returns table (tenant_id uuid, tenant_slug text, role text, active boolean)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select m.tenant_id, t.slug, m.role, m.active
           from memberships m join tenants t on t.id = m.tenant_id where m.user_id = p_user_id $$;

        create function outbox_claim(p_limit integer, p_min_age interval)
            returns setof outbox
            language sql volatile security definer set search_path = public, pg_temp as
        $$ select * from outbox
           where published_at is null and created_at <= now() - p_min_age
           order by id limit p_limit for update skip locked $$;

        create function outbox_mark_published(p_ids bigint[]) returns void
            language sql volatile security definer set search_path = public, pg_temp as
        $$ update outbox set published_at = now() where id = any (p_ids) $$;

        grant usage, create on schema public to inbox_system;
        grant select on tenants, users, memberships, channels, contacts, conversations, messages, outbox to inbox_system;
        grant update on outbox to inbox_system;
        alter function resolve_channel(text) owner to inbox_system;
        alter function auth_find_user(text) owner to inbox_system;
        alter function auth_memberships(uuid) owner to inbox_system;
        alter function outbox_claim(integer, interval) owner to inbox_system;
        alter function outbox_mark_published(bigint[]) owner to inbox_system;
        revoke execute on all functions in schema public from public;

        grant usage on schema public to inbox_app;
        grant select, insert, update, delete on tenants, users, memberships, channels, contacts, conversations, messages
            to inbox_app;
        grant select, insert, update on webhook_ledger to inbox_app;
        grant select, insert on outbox to inbox_app;
        grant execute on all functions in schema public to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists ingest_inbound_message, outbox_mark_published(bigint[]), outbox_claim(integer, interval),
            auth_memberships(uuid), auth_find_user(text), resolve_channel(text);
        drop table if exists outbox, webhook_ledger, messages, conversations, contacts, channels, memberships, users, tenants;
        drop function if exists current_tenant_id();
        """);
}
