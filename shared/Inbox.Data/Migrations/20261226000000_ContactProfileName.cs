using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// An agent's name for a contact sticks. Until now ingest wrote the customer's WhatsApp profile name into name on
/// every message, over whatever an agent had typed. Now the profile name has its own column, which ingest keeps
/// current (Sql/ingest.sql, resolve_contact), and name is only ever an agent's (null: none, the inbox shows the
/// profile name).
/// Existing rows: every name becomes the profile name, and stays the contact's name only where it looks like an
/// agent's edit — the contact changed after its latest customer message was stored (ingest changes the contact in
/// that message's own transaction, so at the same now()). Row-level security binds even the owner (FORCE), so it
/// is lifted for this one copy, inside the migration's transaction.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261226000000_ContactProfileName")]
public sealed class ContactProfileName : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table contacts add column profile_name text;

        alter table contacts no force row level security;
        alter table conversations no force row level security;
        alter table messages no force row level security;
        update contacts set profile_name = name where name is not null;
        with last_inbound as (
            select v.contact_id, max(m.created_at) as at
            from messages m join conversations v on v.id = m.conversation_id
            where m.direction = 'inbound'
            group by v.contact_id)
        update contacts c set name = null
        from last_inbound l
        where l.contact_id = c.id and c.updated_at <= l.at;
        alter table contacts force row level security;
        alter table conversations force row level security;
        alter table messages force row level security;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table contacts no force row level security;
        update contacts set name = coalesce(name, profile_name);
        alter table contacts force row level security;
        alter table contacts drop column profile_name;
        """);
}
