using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// An agent can mute a conversation: no browser notification or sound for its new messages, on any of their
/// devices (so it is stored, not kept in one browser). Per agent, like conversation_reads, under the tenant's RLS.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261223000000_ConversationMutes")]
public sealed class ConversationMutes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        create table conversation_mutes (
            tenant_id uuid not null references tenants (id),
            conversation_id uuid not null references conversations (id),
            user_id uuid not null references users (id),
            muted_at timestamptz not null default now(),
            primary key (conversation_id, user_id)
        );
        alter table conversation_mutes enable row level security;
        alter table conversation_mutes force row level security;
        create policy tenant_isolation on conversation_mutes using (tenant_id = current_tenant_id())
            with check (tenant_id = current_tenant_id());
        grant select, insert, delete on conversation_mutes to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("drop table if exists conversation_mutes;");
}
