import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { Session } from '../api/types';
import { useSession } from '../auth/session';

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [needsTenant, setNeedsTenant] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('/api/auth/login', {
        method: 'POST',
        body: { email, password, tenant: tenant || undefined },
        anonymous: true,
      });
      useSession.getState().signIn(session);
    } catch (err) {
      if (err instanceof ApiError && err.errors?.tenant) setNeedsTenant(true);
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong email or password.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} className="card">
        <h1>Inbox</h1>
        <p className="muted">Sign in to your team's WhatsApp inbox</p>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {needsTenant && (
          <label>
            Workspace
            <input name="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} placeholder="workspace slug" />
          </label>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
