import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { api } from '../../api/client';
import type { Conversation, Page } from '../../api/types';
import { VirtualList } from '../../components/VirtualList';
import { listTime } from '../../format/format';
import { navigate } from '../../lib/router';
import { matchesFilter, type ListFilter } from '../../store/filters';
import { byActivity, useLive } from '../../store/live';

const ROW = 76;

export function ConversationList({ selectedId }: { selectedId: string | null }) {
  const [filter, setFilter] = useState<ListFilter>({ status: 'open', assignee: 'anyone', label: '', q: '' });
  const labels = useQuery({ queryKey: ['labels'], queryFn: () => api<string[]>('/api/labels') });
  const q = useDeferredValue(filter.q.trim());
  const conversations = useLive((s) => s.conversations);
  const typing = useLive((s) => s.typing);
  const meId = useLive((s) => s.meId);

  const pages = useInfiniteQuery({
    queryKey: ['conversations', filter.status, filter.assignee, filter.label, q],
    initialPageParam: '',
    queryFn: async ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (filter.status !== 'all') params.set('status', filter.status);
      if (filter.assignee !== 'anyone') params.set('assignee', filter.assignee);
      if (filter.label) params.set('label', filter.label);
      if (q) params.set('q', q);
      if (pageParam) params.set('cursor', pageParam);
      const page = await api<Page<Conversation>>(`/api/conversations?${params}`);
      useLive.getState().mergeConversations(page.items);
      return page;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  // A search shows what the server found; otherwise every known conversation that fits the filter, so live
  // updates (a new conversation, a status change) move rows in and out and reorder them without a refetch.
  const found = useMemo(
    () => (q ? new Set(pages.data?.pages.flatMap((p) => p.items.map((c) => c.id))) : null),
    [q, pages.data],
  );
  const rows = useMemo(
    () => Object.values(conversations).filter((c) => matchesFilter(c, filter, meId) && (!found || found.has(c.id))).sort(byActivity),
    [conversations, filter, meId, found],
  );

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <aside className="list">
      <div className="filters">
        <input type="search" placeholder="Search name, number, text…" value={filter.q} aria-label="Search"
          onChange={(e) => setFilter({ ...filter, q: e.target.value })} />
        <div className="filter-row">
          <select aria-label="Status" value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.target.value as ListFilter['status'] })}>
            <option value="open">Open</option>
            <option value="pending">Pending</option>
            <option value="snoozed">Snoozed</option>
            <option value="resolved">Resolved</option>
            <option value="all">All</option>
          </select>
          <select aria-label="Assignee" value={filter.assignee} onChange={(e) => setFilter({ ...filter, assignee: e.target.value as ListFilter['assignee'] })}>
            <option value="anyone">Anyone</option>
            <option value="me">Mine</option>
            <option value="unassigned">Unassigned</option>
          </select>
          <select aria-label="Label" value={filter.label} onChange={(e) => setFilter({ ...filter, label: e.target.value })}
            onFocus={() => void labels.refetch()}>
            <option value="">Any label</option>
            {labels.data?.map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </div>
      </div>
      {pages.isError && <p className="error">{pages.error.message}</p>}
      {!pages.isPending && rows.length === 0 && <p className="muted pad">No conversations here.</p>}
      <VirtualList className="rows" items={rows} rowHeight={ROW} keyOf={(c) => c.id} onEndReached={more}
        render={(c) => <Row c={c} selected={c.id === selectedId} typing={Object.values(typing[c.id] ?? {})} />} />
      {isFetchingNextPage && <p className="muted pad">Loading more…</p>}
    </aside>
  );
}

function Row({ c, selected, typing }: { c: Conversation; selected: boolean; typing: { userName: string }[] }) {
  const unread = c.myUnreadCount ?? c.unreadCount;
  const name = c.contactName || (c.contactWaId ? `+${c.contactWaId}` : 'Unknown');
  return (
    <button className={`row ${selected ? 'selected' : ''} ${unread ? 'unread' : ''}`} data-testid="conversation-row"
      data-conversation-id={c.id} onClick={() => navigate(`/c/${c.id}`)}>
      <span className="avatar" aria-hidden>{name.replace(/[^\p{L}\p{N}]/gu, '').slice(0, 1).toUpperCase() || '#'}</span>
      <span className="row-main">
        <span className="row-top">
          <span className="name">{name}</span>
          <span className="time">{listTime(c.lastMessageAt ?? c.lastActivityAt)}</span>
        </span>
        <span className="row-bottom">
          {typing.length ? (
            <span className="typing" data-testid="row-typing">{typing[0].userName} typing…</span>
          ) : (
            <span className="preview" data-testid="row-preview">{c.lastMessagePreview}</span>
          )}
          {c.priority !== 'none' && <span className={`prio prio-${c.priority}`}>{c.priority}</span>}
          {unread > 0 && <span className="unread-badge" data-testid="unread">{unread}</span>}
        </span>
        <span className="row-meta">
          {c.assigneeName && <span className="assignee">@{c.assigneeName}</span>}
          {c.labels?.map((l) => <span key={l} className="label">{l}</span>)}
        </span>
      </span>
    </button>
  );
}
