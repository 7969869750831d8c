import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AuditEntry } from '../../api/admin';
import type { Page } from '../../api/types';

const show = (v: unknown) => (v == null ? '' : JSON.stringify(v));

export function AuditPage() {
  const audit = useInfiniteQuery({
    queryKey: ['admin', 'audit'],
    initialPageParam: '',
    queryFn: ({ pageParam }) => api<Page<AuditEntry>>(`/api/admin/audit?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return (
    <section className="card">
      <h2>Audit log</h2>
      {audit.isError && <p className="error">{audit.error.message}</p>}
      <table>
        <thead><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Before</th><th>After</th></tr></thead>
        <tbody>
          {audit.data?.pages.flatMap((p) => p.items).map((a) => (
            <tr key={a.id}>
              <td>{new Date(a.at).toLocaleString()}</td>
              <td>{a.actorName ?? 'system'}</td>
              <td><code>{a.action}</code></td>
              <td className="small">{a.targetType} {a.targetId}</td>
              <td className="small mono">{show(a.before)}</td>
              <td className="small mono">{show(a.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.hasNextPage && <button onClick={() => audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>Load more</button>}
    </section>
  );
}
