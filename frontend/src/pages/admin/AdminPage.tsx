import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import type { Seats } from '../../api/admin';
import { useSession } from '../../auth/session';
import { navigate } from '../../lib/router';
import { AuditPage } from './AuditPage';
import { MembersPage } from './MembersPage';
import { NumbersPage } from './NumbersPage';

const tabs = [
  ['/admin', 'Members & invites'],
  ['/admin/numbers', 'WhatsApp numbers'],
  ['/admin/audit', 'Audit log'],
] as const;

/** Owners' and admins' pages; loaded on demand. */
export default function AdminPage({ path }: { path: string }) {
  const session = useSession((s) => s.session)!;
  const seats = useQuery({ queryKey: ['admin', 'seats'], queryFn: () => api<Seats>('/api/admin/seats'), retry: false });
  const missing = seats.error instanceof ApiError && seats.error.status === 404;

  return (
    <div className="app admin">
      <header className="topbar">
        <strong className="brand">Inbox</strong>
        <span className="muted">{session.tenantSlug} · Admin</span>
        <span className="spacer" />
        <button className="link" onClick={() => navigate('/')}>← Back to the inbox</button>
      </header>
      <nav className="tabs">
        {tabs.map(([to, label]) => (
          <button key={to} className={path === to ? 'tab active' : 'tab'} onClick={() => navigate(to)}>{label}</button>
        ))}
      </nav>
      <main className="admin-body">
        {missing ? (
          <p className="muted">This server has no admin API yet.</p>
        ) : path === '/admin/numbers' ? (
          <NumbersPage />
        ) : path === '/admin/audit' ? (
          <AuditPage />
        ) : (
          <MembersPage role={session.role} meId={session.userId} />
        )}
      </main>
    </div>
  );
}
