import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { InviteInfo } from '../api/admin';
import type { Session } from '../api/types';
import { useSession } from '../auth/session';
import { navigate } from '../lib/router';

/** /invite/:token — the invitee picks a name and password and is signed in. */
export default function InvitePage({ token }: { token: string }) {
  const info = useQuery({
    queryKey: ['invite', token],
    queryFn: () => api<InviteInfo>(`/api/invites/${encodeURIComponent(token)}`, { anonymous: true }),
    retry: false,
  });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function accept(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>(`/api/invites/${encodeURIComponent(token)}/accept`, {
        method: 'POST', body: { name, password }, anonymous: true,
      });
      useSession.getState().signIn(session);
      navigate('/', true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 410 ? 'This invitation was already used, revoked or has expired.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const gone = info.error instanceof ApiError ? (info.error.status === 410 ? 'This invitation was already used, revoked or has expired.' : 'This invitation does not exist.') : null;

  return (
    <main className="login">
      <form className="card" onSubmit={accept}>
        <h1>Join Inbox</h1>
        {info.isPending && <p className="muted">Checking the invitation…</p>}
        {gone && <p className="error" role="alert">{gone}</p>}
        {info.data && (
          <>
            <p>You are invited to <strong>{info.data.tenantName}</strong> as <strong>{info.data.role}</strong> ({info.data.email}).</p>
            <label>Your name<input name="name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus /></label>
            <label>Password (8 characters or more)<input name="password" type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
            {error && <p className="error" role="alert">{error}</p>}
            <button type="submit" disabled={busy}>{busy ? 'Joining…' : 'Accept and sign in'}</button>
          </>
        )}
      </form>
    </main>
  );
}
