create or replace function media_downloads_overdue(p_older_than interval, p_limit integer)
    returns table (tenant_id uuid, media_file_id uuid, conversation_id uuid)
    language sql stable security definer set search_path = public, pg_temp as
$$ select f.tenant_id, f.id, m.conversation_id from media_files f join messages m on m.id = f.message_id
   where f.status = 'pending' and f.updated_at < now() - p_older_than
   order by f.updated_at limit p_limit $$;

-- Uploads no send took (the agent left without sending): the Workers' sweep deletes them.
create or replace function media_uploads_unsent(p_older_than interval, p_limit integer)
    returns table (tenant_id uuid, media_file_id uuid)
    language sql stable security definer set search_path = public, pg_temp as
$$ select f.tenant_id, f.id from media_files f
   where f.message_id is null and f.created_at < now() - p_older_than
   order by f.created_at limit p_limit $$;
