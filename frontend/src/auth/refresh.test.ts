import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types';
import { coordinatedRefresh, refreshMargin, RefreshUnanswered, retryDelays, type RefreshDeps } from './refresh';

/**
 * The server's rule, as auth_rotate_refresh_token applies it: a token works once; the previous token presented again
 * while its successor was never used rotates again (a lost answer); any other reuse ends the session.
 */
class FakeServer {
  private n = 0;
  private readonly used = new Map<string, string | null>(); // token → its successor
  live = 'r0';
  revoked = false;
  posts: string[] = [];
  /** Rotate, then fail to deliver the answer this many times. */
  loseAnswers = 0;

  async refresh(token: string): Promise<Response> {
    this.posts.push(token);
    await Promise.resolve();
    if (this.revoked) return new Response(null, { status: 401 });
    if (this.used.has(token)) {
      const successor = this.used.get(token);
      if (successor !== this.live) {
        this.revoked = true;
        return new Response(null, { status: 401 });
      }
      this.used.set(successor, null); // retired: never handed out
    } else if (token !== this.live) {
      return new Response(null, { status: 401 });
    }
    const next = `r${++this.n}`;
    this.used.set(token, next);
    this.live = next;
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new TypeError('Failed to fetch');
    }
    return Response.json(session(next));
  }
}

const session = (refreshToken: string): Session => ({
  accessToken: `a-${refreshToken}`, expiresAt: new Date(Date.now() + 60_000).toISOString(), refreshToken,
  refreshExpiresAt: new Date(Date.now() + 86_400_000).toISOString(), userId: 'u1', name: 'Agent', tenantId: 't1',
  tenantSlug: 'demo', role: 'agent',
});

/** One origin: shared storage, one lock for all its tabs (as navigator.locks). */
function origin(server: FakeServer, lock = true) {
  let stored: Session | null = session('r0');
  let tail: Promise<unknown> = Promise.resolve();
  const slept: number[] = [];
  const deps: RefreshDeps = {
    read: () => stored,
    write: (s) => (stored = s),
    post: (token) => server.refresh(token),
    exclusive: <T>(fn: () => Promise<T>) => {
      if (!lock) return fn();
      const run = tail.then(fn, fn);
      tail = run.catch(() => {});
      return run;
    },
    sleep: async (ms) => void slept.push(ms),
  };
  return { deps, slept, stored: () => stored };
}

describe('coordinatedRefresh', () => {
  it('lets two tabs refresh at once with one request, both ending with the new tokens', async () => {
    const server = new FakeServer();
    const { deps, stored } = origin(server);
    const tabA = session('r0');
    const tabB = session('r0'); // each tab's own copy

    const [a, b] = await Promise.all([coordinatedRefresh(tabA, deps), coordinatedRefresh(tabB, deps)]);

    expect(server.posts).toEqual(['r0']);
    expect(a?.refreshToken).toBe('r1');
    expect(b?.refreshToken).toBe('r1');
    expect(stored()?.refreshToken).toBe('r1');
    expect(server.revoked).toBe(false);
  });

  it('keeps two tabs signed in over many refreshes, whoever goes first', async () => {
    const server = new FakeServer();
    const { deps } = origin(server);
    let tabA = session('r0');
    let tabB = session('r0');
    for (let round = 0; round < 10; round++) {
      // whichever tab asks first this round
      const first = round % 2 ? coordinatedRefresh(tabA, deps) : coordinatedRefresh(tabB, deps);
      const second = round % 2 ? coordinatedRefresh(tabB, deps) : coordinatedRefresh(tabA, deps);
      const [x, y] = await Promise.all([first, second]);
      [tabA, tabB] = round % 2 ? [x!, y!] : [y!, x!];
    }
    expect(server.revoked).toBe(false);
    expect(server.posts).toHaveLength(10);
    expect(tabA.refreshToken).toBe(server.live);
    expect(tabB.refreshToken).toBe(server.live);
  });

  it('takes the tokens another tab stored meanwhile instead of spending its stale copy', async () => {
    const server = new FakeServer();
    const { deps } = origin(server);
    const stale = session('r0');
    await coordinatedRefresh(session('r0'), deps); // the other tab

    const next = await coordinatedRefresh(stale, deps);

    expect(next?.refreshToken).toBe('r1');
    expect(server.posts).toEqual(['r0']);
  });

  it('retries a refresh whose answer was lost with the same token, and gets a working successor', async () => {
    const server = new FakeServer();
    const { deps, slept, stored } = origin(server);
    server.loseAnswers = 2;

    const next = await coordinatedRefresh(session('r0'), deps);

    expect(server.posts).toEqual(['r0', 'r0', 'r0']);
    expect(slept).toEqual(retryDelays.slice(0, 2));
    expect(next?.refreshToken).toBe(server.live);
    expect(stored()?.refreshToken).toBe(server.live);
    expect(server.revoked).toBe(false);
    // and the chain goes on
    expect((await coordinatedRefresh(next!, deps))?.refreshToken).toBe(server.live);
    expect(server.revoked).toBe(false);
  });

  it('keeps the session when the server never answers, and says so', async () => {
    const server = new FakeServer();
    const { deps, stored } = origin(server);
    server.loseAnswers = 100;

    await expect(coordinatedRefresh(session('r0'), deps)).rejects.toBeInstanceOf(RefreshUnanswered);

    expect(server.posts).toHaveLength(retryDelays.length + 1);
    expect(stored()?.refreshToken).toBe('r0');
  });

  it('signs every tab out when the server refuses the refresh', async () => {
    const server = new FakeServer();
    server.revoked = true; // e.g. logged out elsewhere
    const { deps, stored } = origin(server);

    expect(await coordinatedRefresh(session('r0'), deps)).toBeNull();
    expect(stored()).toBeNull();
  });

  it('does not refresh once another tab signed out', async () => {
    const server = new FakeServer();
    const { deps } = origin(server);
    deps.write(null);

    expect(await coordinatedRefresh(session('r0'), deps)).toBeNull();
    expect(server.posts).toEqual([]);
  });

  it('retries after a 5xx, which may have come after the rotation committed', async () => {
    const server = new FakeServer();
    const { deps } = origin(server);
    const post = deps.post;
    let first = true;
    deps.post = async (token) => {
      const answer = await post(token);
      if (!first) return answer;
      first = false;
      return new Response(null, { status: 503 });
    };

    const next = await coordinatedRefresh(session('r0'), deps);

    expect(next?.refreshToken).toBe(server.live);
    expect(server.revoked).toBe(false);
  });
});

describe('refreshMargin', () => {
  const jwt = (claims: object) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.s`;

  it('is a minute for a 15-minute token', () => {
    expect(refreshMargin(jwt({ iat: 1000, exp: 1900 }))).toBe(60_000);
  });

  it('is a third of a short lifetime', () => {
    expect(refreshMargin(jwt({ iat: 1000, exp: 1006 }))).toBe(2000);
  });

  it('falls back to a minute for an unreadable token', () => {
    expect(refreshMargin('not-a-jwt')).toBe(60_000);
  });
});
