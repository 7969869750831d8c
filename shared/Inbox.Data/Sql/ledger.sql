create or replace function webhook_ledger_prune(p_older_than interval, p_limit integer) returns integer
    language sql volatile security definer set search_path = public, pg_temp as
$$ with d as (delete from webhook_ledger where id in (
                  select id from webhook_ledger where received_at < now() - p_older_than
                  order by received_at limit p_limit)
              returning 1)
   select count(*)::integer from d $$;
