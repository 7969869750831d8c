create or replace function media_downloads_overdue(p_older_than interval, p_limit integer)
    returns table (tenant_id uuid, media_file_id uuid, conversation_id uuid)
    language sql stable security definer set search_path = public, pg_temp as
$$ select f.tenant_id, f.id, m.conversation_id from media_files f join messages m on m.id = f.message_id
   where f.status = 'pending' and f.updated_at < now() - p_older_than
   order by f.updated_at limit p_limit $$;
