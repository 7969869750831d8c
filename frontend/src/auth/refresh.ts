import type { Session } from '../api/types';

// Refresh tokens work once: the server takes a second use of a rotated token as theft and ends the session. Every
// tab of the inbox shares one session (localStorage), so tabs must never refresh with the same token: one tab at a
// time refreshes (a Web Lock shared by the origin's tabs), and a tab that waited re-reads the shared session first —
// if another tab has rotated meanwhile, it takes those tokens instead of spending its stale copy.

/** What the coordination needs from the page; the tests supply their own. */
export interface RefreshDeps {
  /** The session as every tab sees it now (shared storage), or null when signed out. */
  read(): Session | null;
  /** Stores a new session (null: signed out) where every tab sees it. */
  write(session: Session | null): void;
  /** POST /api/auth/refresh; rejects when no answer came (network). */
  post(refreshToken: string): Promise<Response>;
  /** Runs `fn` while no other tab of the origin runs its own. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  sleep(ms: number): Promise<void>;
}

/** Retries of a refresh whose answer was lost: all well within the server's Auth:RefreshRetryGrace (30 s). */
export const retryDelays = [500, 1000, 2000, 4000];

/** A refresh that got no answer (offline): the session is kept, the next call tries again. */
export class RefreshUnanswered extends Error {}

/**
 * Exchanges `seen` (this tab's copy of the session) for a new one, coordinated with the other tabs. Resolves to the
 * session to use, or null when the session is over (signed out here and, through storage, in every tab).
 */
export function coordinatedRefresh(seen: Session, deps: RefreshDeps): Promise<Session | null> {
  return deps.exclusive(async () => {
    const latest = deps.read();
    if (!latest || latest.userId !== seen.userId) return latest; // signed out, or another login, in another tab
    if (latest.refreshToken !== seen.refreshToken) return latest; // another tab refreshed while this one waited

    for (let attempt = 0; ; attempt++) {
      let next: Session | null | undefined;
      try {
        const response = await deps.post(latest.refreshToken);
        if (response.status === 400 || response.status === 401) next = null;
        else if (response.ok) next = (await response.json()) as Session;
        // else 5xx: the rotation may have committed before the failure: retry as if the answer was lost
      } catch {
        // No answer (or a cut-off body): the server may have rotated all the same. Presenting the same token again
        // soon is the lost-answer retry the server allows; a new successor comes back.
      }
      if (next !== undefined) {
        deps.write(next);
        return next;
      }
      if (attempt >= retryDelays.length) throw new RefreshUnanswered('The session could not be refreshed: no answer from the server.');
      await deps.sleep(retryDelays[attempt]);
    }
  });
}

/** The origin-wide lock of the browser (Web Locks API); without it, only this tab's calls are serialized. */
export function webLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('inbox-refresh', fn) : fn();
}

/**
 * How long before its expiry an access token is renewed: a minute, or a third of its lifetime when shorter (read from
 * the token's iat and exp), so a short-lived token is not renewed on every call.
 */
export function refreshMargin(accessToken: string): number {
  try {
    const payload = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const { iat, exp } = JSON.parse(atob(payload)) as { iat?: number; exp?: number };
    if (typeof iat === 'number' && typeof exp === 'number' && exp > iat) return Math.min(60_000, ((exp - iat) * 1000) / 3);
  } catch {
    /* not a JWT we can read: the default */
  }
  return 60_000;
}
