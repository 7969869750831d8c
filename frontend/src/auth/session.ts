import { create } from 'zustand';
import type { Session } from '../api/types';

// The signed-in agent's tokens, kept in localStorage so a reload stays signed in.
const KEY = 'inbox.session';

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
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
  session: typeof localStorage === 'undefined' ? null : load(),
  signIn: (session) => {
    localStorage.setItem(KEY, JSON.stringify(session));
    set({ session });
  },
  signOut: () => {
    localStorage.removeItem(KEY);
    set({ session: null });
  },
}));

export const isAdmin = (s: Session | null) => s?.role === 'owner' || s?.role === 'admin';
