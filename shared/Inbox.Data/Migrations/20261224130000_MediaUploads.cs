using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Inbox.Data.Migrations;

/// <summary>
/// Files an agent attaches from disk. The Api stores an upload as a media file of no message yet (uploaded_by: only
/// that agent may send or discard it); a send attaches it to its message and channel; Workers upload it to the Graph
/// API at send time and keep the media id Meta gives (whatsapp_media_id, unknown until then), so a send tried again
/// never uploads twice. Uploads never sent are removed after a while: media_uploads_unsent finds them across
/// tenants (SECURITY DEFINER, owned by inbox_system), each tenant's are deleted under its own row-level security.
/// </summary>
[DbContext(typeof(InboxDbContext))]
[Migration("20261224130000_MediaUploads")]
public sealed class MediaUploads : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        alter table media_files
            alter column message_id drop not null,
            alter column channel_id drop not null,
            alter column whatsapp_media_id drop not null,
            add column uploaded_by uuid references users (id),
            add constraint media_files_message_or_upload check (message_id is not null or uploaded_by is not null);
        -- Only the unsent uploads are in it: small, and untouched by inbound media.
        create index ix_media_files_unsent on media_files (created_at) where message_id is null;

        create function media_uploads_unsent(p_older_than interval, p_limit integer)
            returns table (tenant_id uuid, media_file_id uuid)
            language sql stable security definer set search_path = public, pg_temp as
        $$ select f.tenant_id, f.id from media_files f
           where f.message_id is null and f.created_at < now() - p_older_than
           order by f.created_at limit p_limit $$;
        alter function media_uploads_unsent(interval, integer) owner to inbox_system;
        revoke execute on function media_uploads_unsent(interval, integer) from public;
        grant execute on function media_uploads_unsent(interval, integer) to inbox_app;
        """);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
        drop function if exists media_uploads_unsent(interval, integer);
        drop index if exists ix_media_files_unsent;
        delete from media_blobs where media_file_id in (select id from media_files where message_id is null);
        delete from media_files where message_id is null;
        alter table media_files
            drop constraint media_files_message_or_upload,
            drop column uploaded_by,
            alter column message_id set not null,
            alter column channel_id set not null;
        update media_files set whatsapp_media_id = '' where whatsapp_media_id is null;
        alter table media_files alter column whatsapp_media_id set not null;
        """);
}
