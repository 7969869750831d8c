using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// ix_conversations_tenant_recent (tenant, last_message_at) served the conversation list before the list moved to
/// activity_at (ix_conversations_tenant_activity, migration AgentApi); no query has used it since (idx_scan 0 after
/// hours of benchmark and browser traffic), yet every stored message paid for it: its conversation's update can
/// never be HOT (last_message_at changes), so each one added an entry to every index of conversations.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261221010000_DropUnusedConversationIndex")]
public sealed class DropUnusedConversationIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("drop index if exists ix_conversations_tenant_recent;");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("create index ix_conversations_tenant_recent on conversations (tenant_id, last_message_at desc, id desc);");
}
