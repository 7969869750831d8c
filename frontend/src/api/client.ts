import { coordinatedRefresh, refreshMargin, RefreshUnanswered, webLock, type RefreshDeps } from '../auth/refresh';
import { loadSession, useSession } from '../auth/session';
import type { Session } from './types';

/** An RFC 7807 problem from the API (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string | undefined;
  readonly errors: Record<string, string[]> | undefined;
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const errors = problem.errors as Record<string, string[]> | undefined;
    const detail = errors ? Object.entries(errors).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; ') : undefined;
    super(detail || (problem.detail as string) || (problem.title as string) || `HTTP ${status}`);
    this.status = status;
    this.type = problem.type as string | undefined;
    this.errors = errors;
    this.problem = problem;
  }
}

let refreshing: Promise<Session | null> | null = null;

const refreshDeps: RefreshDeps = {
  read: loadSession,
  write: (session) => (session ? useSession.getState().signIn(session) : useSession.getState().signOut()),
  post: (refreshToken) =>
    fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    }),
  exclusive: webLock,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Exchanges the refresh token once for everyone waiting in this tab, and in turn with the other tabs (see
 * auth/refresh.ts): refresh tokens work once, so never twice in parallel, nor by two tabs.
 */
export function refreshSession(): Promise<Session | null> {
  const current = useSession.getState().session;
  if (!current) return Promise.resolve(null);
  refreshing ??= coordinatedRefresh(current, refreshDeps)
    .then((next) => {
      useSession.setState({ session: next }); // also when another tab's tokens were taken
      return next;
    })
    .catch((e) => {
      throw e instanceof RefreshUnanswered ? new ApiError(0, { title: e.message }) : e;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** A current access token, renewed shortly before it expires (see refreshMargin). */
export async function accessToken(): Promise<string> {
  const session = useSession.getState().session;
  if (!session) return '';
  if (new Date(session.expiresAt).getTime() - Date.now() < refreshMargin(session.accessToken)) {
    const next = await refreshSession();
    return next?.accessToken ?? '';
  }
  return session.accessToken;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  anonymous?: boolean;
}

async function send(path: string, options: RequestOptions, token: string): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, { title: 'The server cannot be reached' });
  }
}

/** Calls the API with the session's token; a 401 refreshes once and retries. Problems become ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options, options.anonymous ? '' : await accessToken());
  if (response.status === 401 && !options.anonymous && useSession.getState().session) {
    const next = await refreshSession();
    if (next) response = await send(path, options, next.accessToken);
  }
  if (!response.ok) {
    let problem: Record<string, unknown> = {};
    try {
      problem = await response.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Fetches a protected file (media) with the token, as an object URL for <img>/<audio>/downloads. */
export async function fetchBlobUrl(path: string): Promise<string> {
  let response = await send(path, {}, await accessToken());
  if (response.status === 401) {
    const next = await refreshSession();
    if (next) response = await send(path, {}, next.accessToken);
  }
  if (!response.ok) throw new ApiError(response.status, {});
  return URL.createObjectURL(await response.blob());
}

export const newIdempotencyKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
