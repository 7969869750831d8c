import { create } from 'zustand';
import type { Session } from '../api/types';

// The signed-in agent's tokens, kept in localStorage so a reload stays signed in. Every tab of the inbox shares
// them: a tab that refreshes or signs out changes them for all (the others follow through the storage event).
export const SESSION_KEY = 'inbox.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

interface SessionState {
  session: Session | null;
  signIn: (session: Session) => void;
  signOut: () => void;
}

export const useSession = create<SessionState>((set) => ({
  session: typeof localStorage === 'undefined' ? null : loadSession(),
  signIn: (session) => {
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    set({ session });
  },
  signOut: () => {
    localStorage.removeItem(SESSION_KEY);
    set({ session: null });
  },
}));

// Another tab refreshed (new tokens), signed out, or signed in: this tab uses what it stored.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === SESSION_KEY || e.key === null) useSession.setState({ session: loadSession() });
  });
}

export const isAdmin = (s: Session | null) => s?.role === 'owner' || s?.role === 'admin';
