import { lazy, Suspense } from 'react';
import { isAdmin, useSession } from './auth/session';
import { Toasts } from './components/Toasts';
import { match, usePath } from './lib/router';
import { InboxPage } from './pages/InboxPage';
import { LoginPage } from './pages/LoginPage';

// Admin pages and the invite page are rarely opened: loaded on demand, outside the first load's budget.
const AdminPage = lazy(() => import('./pages/admin/AdminPage'));
const InvitePage = lazy(() => import('./pages/InvitePage'));

export function App() {
  const path = usePath();
  const session = useSession((s) => s.session);

  let page;
  const invite = match('/invite/:token', path);
  if (invite) page = <InvitePage token={invite.token} />;
  else if (!session) page = <LoginPage />;
  else if (path.startsWith('/admin') && isAdmin(session)) page = <AdminPage path={path} />;
  else page = <InboxPage conversationId={match('/c/:id', path)?.id ?? null} />;

  return (
    <>
      <Suspense fallback={<div className="loading">Loading…</div>}>{page}</Suspense>
      <Toasts />
    </>
  );
}
