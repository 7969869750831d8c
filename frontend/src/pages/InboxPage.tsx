import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api/client';
import { isAdmin, useSession } from '../auth/session';
import { ConnectionBadge } from '../components/ConnectionBadge';
import { NotificationControl } from '../components/NotificationControl';
import { MyPresence } from '../components/Presence';
import { navigate } from '../lib/router';
import { connectRealtime, disconnectRealtime } from '../realtime/connection';
import { titleFor } from '../realtime/notifications';
import { useLive } from '../store/live';
import { ContactPanel, useContactPanel } from './inbox/ContactPanel';
import { ConversationList } from './inbox/ConversationList';
import { Thread } from './inbox/Thread';

export function InboxPage({ conversationId }: { conversationId: string | null }) {
  const session = useSession((s) => s.session)!;
  const queryClient = useQueryClient();
  const config = useQuery({
    queryKey: ['client-config'],
    queryFn: () => api<{ realtimeUrl: string }>('/api/client-config', { anonymous: true }),
  });

  // One hub connection per signed-in agent; a resync (away too long) reloads every list.
  const hubUrl = config.data?.realtimeUrl;
  useEffect(() => {
    if (!hubUrl) return;
    useLive.getState().reset(session.userId);
    void connectRealtime(hubUrl, () => {
      useLive.getState().reset(session.userId);
      void queryClient.resetQueries();
    });
    const offline = () => useLive.getState().setConnection('offline');
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('offline', offline);
      void disconnectRealtime();
    };
  }, [hubUrl, session.userId, queryClient]);

  // The tab's title carries the unread total, so a background tab shows it.
  const title = useLive((s) => titleFor(s.conversations));
  const panelOpen = useContactPanel((s) => s.open) && conversationId !== null;
  useEffect(() => {
    document.title = title;
    return () => void (document.title = 'Inbox');
  }, [title]);

  async function logout() {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => {});
    await disconnectRealtime();
    queryClient.clear();
    useSession.getState().signOut();
    navigate('/', true);
  }

  return (
    <div className="app">
      <header className="topbar">
        <strong className="brand">Inbox</strong>
        <span className="muted">{session.tenantSlug}</span>
        <ConnectionBadge />
        <span className="spacer" />
        <NotificationControl />
        {isAdmin(session) && <button className="link" onClick={() => navigate('/admin')}>Admin</button>}
        <span data-testid="me">{session.name}</span>
        <MyPresence />
        <button className="link" onClick={logout}>Sign out</button>
      </header>
      {hubUrl ? (
        <div className={`inbox ${conversationId ? 'has-thread' : ''} ${panelOpen ? 'with-panel' : ''}`}>
          <ConversationList selectedId={conversationId} />
          {conversationId ? <Thread key={conversationId} id={conversationId} /> : <div className="empty-thread muted">Pick a conversation</div>}
          {panelOpen && <ContactPanel key={`contact-${conversationId}`} conversationId={conversationId!} />}
        </div>
      ) : (
        <div className="loading">{config.error ? `Cannot reach the server: ${config.error.message}` : 'Loading…'}</div>
      )}
    </div>
  );
}
