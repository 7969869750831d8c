using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// Templates come from WhatsApp. The catalog was a hand-seeded table (demo and test tenants only); now each row is a
/// template of one of the tenant's WhatsApp Business Accounts as Meta holds it — its definition (components), status
/// and Meta's reason — read through the Graph API and kept current by Meta's status webhooks. The seeded rows go:
/// the next read brings back what each account really has. channel_health records each number's last read.
/// The functions are created here with placeholder bodies, for their ownership and grants; their bodies are
/// Sql/templates.sql, applied after the migrations.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261224000000_TemplatesFromWhatsApp")]
public sealed class TemplatesFromWhatsApp : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        -- Every tenant's seeded rows: row-level security, forced even for the owner (this migration's role), is lifted
        -- for this delete only, inside the migration's transaction; else it sees none and the not-null column fails.
        alter table message_templates no force row level security;
        delete from message_templates;
        alter table message_templates force row level security;
        drop index ux_message_templates;
        alter table message_templates
            drop constraint if exists message_templates_status_check,
            add column waba_id text not null,
            add column external_id text,
            add column status_reason text,
            add column status_detail text,
            add column status_at timestamptz not null default now(),
            add column components jsonb not null default '[]',
            add column parameter_format text,
            add column updated_at timestamptz not null default now(),
            alter column body set default '',
            alter column category drop default,
            alter column status drop default,
            add constraint message_templates_status_check check (status ~ '^[a-z_]{1,40}$');
        create unique index ux_message_templates on message_templates (tenant_id, waba_id, name, language);

        alter table channel_health
            add column template_sync_attempted_at timestamptz,
            add column templates_synced_at timestamptz,
            add column template_sync_error text;

        -- Cross-tenant (owned by inbox_system): the numbers of a WABA, for Meta's template webhooks (routed by entry.id),
        -- and the numbers whose templates are due to be read (claimed, so two Workers do not both read them).
        create function resolve_waba(p_waba_id text) returns table (tenant_id uuid, channel_id uuid, active boolean)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select null::uuid, null::uuid, null::boolean where false $$;
        create function template_syncs_due(p_every interval, p_retry interval, p_limit integer)
            returns table (tenant_id uuid, channel_id uuid)
            language sql volatile security definer set search_path = public, pg_temp as
        $$ select null::uuid, null::uuid where false $$;
        alter function resolve_waba(text) owner to inbox_system;
        alter function template_syncs_due(interval, interval, integer) owner to inbox_system;

        -- Under the caller's tenant (row-level security).
        create function apply_template_status(p_tenant_id uuid, p_waba_id text, p_name text, p_language text,
                                              p_external_id text, p_status text, p_reason text, p_detail text,
                                              p_category text, p_at timestamptz)
            returns table (known boolean, changed boolean)
            language sql volatile set search_path = public, pg_temp as
        $$ select false, false $$;
        create function store_synced_templates(p_tenant_id uuid, p_waba_id text, p_read_at timestamptz, p_templates jsonb)
            returns table (stored integer, removed integer)
            language sql volatile set search_path = public, pg_temp as
        $$ select 0, 0 $$;

        revoke execute on function resolve_waba(text), template_syncs_due(interval, interval, integer),
            apply_template_status(uuid, text, text, text, text, text, text, text, text, timestamptz),
            store_synced_templates(uuid, text, timestamptz, jsonb) from public;
        grant execute on function resolve_waba(text), template_syncs_due(interval, interval, integer),
            apply_template_status(uuid, text, text, text, text, text, text, text, text, timestamptz),
            store_synced_templates(uuid, text, timestamptz, jsonb) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists resolve_waba(text), template_syncs_due(interval, interval, integer),
            apply_template_status(uuid, text, text, text, text, text, text, text, text, timestamptz),
            store_synced_templates(uuid, text, timestamptz, jsonb);
        alter table channel_health
            drop column if exists template_sync_attempted_at, drop column if exists templates_synced_at,
            drop column if exists template_sync_error;
        delete from message_templates;
        drop index ux_message_templates;
        alter table message_templates
            drop constraint message_templates_status_check,
            drop column waba_id, drop column external_id, drop column status_reason, drop column status_detail,
            drop column status_at, drop column components, drop column parameter_format, drop column updated_at,
            add constraint message_templates_status_check check (status in ('approved', 'paused', 'disabled'));
        create unique index ux_message_templates on message_templates (tenant_id, name, language);
        """);
}
