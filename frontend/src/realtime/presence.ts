// Presence as the hub defines it (services/Realtime): an agent is online while one of their connections is; a
// connection goes away after Realtime:InactivitySeconds (5 min) without the agent doing anything, and back online on
// a heartbeat; offline when their last connection is gone. The client tells the hub when its agent is active.

export type PresenceState = 'online' | 'away' | 'offline';

/** One agent as GetPresence and presence:update give them; since: when an away agent was last active. */
export interface AgentPresence {
  userName: string;
  state: string;
  since: string | null;
}

/** At most one heartbeat per this long while the agent is active (far below the hub's inactivity timeout). */
export const HEARTBEAT_EVERY_MS = 30_000;

/**
 * What the agent does in this page (keys, pointer, wheel, focus): when a heartbeat is due, and how long they have
 * been idle. A heartbeat goes with the first input after HEARTBEAT_EVERY_MS, so an active agent sends one every
 * 30 s at most, an idle one none, and an agent coming back from away is online again at their first move.
 */
export class ActivityTracker {
  private lastInput: number;
  private lastBeat = Number.NEGATIVE_INFINITY;
  private readonly beatEveryMs: number;

  constructor(now: number, beatEveryMs = HEARTBEAT_EVERY_MS) {
    this.lastInput = now;
    this.beatEveryMs = beatEveryMs;
  }

  /** The agent did something; true when a heartbeat is due now. */
  input(now: number): boolean {
    this.lastInput = Math.max(this.lastInput, now);
    if (now - this.lastBeat < this.beatEveryMs) return false;
    this.lastBeat = now;
    return true;
  }

  /**
   * A (re)connect, which the hub starts as active: returns the seconds the agent has been idle when that is longer
   * than a beat period (to tell the hub, which then counts its inactivity from then; their next input beats at
   * once), else null (the connect counts as a beat).
   */
  connected(now: number): number | null {
    const idle = this.idleSeconds(now);
    if (idle * 1000 >= this.beatEveryMs) {
      this.lastBeat = Number.NEGATIVE_INFINITY;
      return idle;
    }
    this.lastBeat = now;
    return null;
  }

  /** Whole seconds since the agent last did something. */
  idleSeconds(now: number): number {
    return Math.max(0, Math.floor((now - this.lastInput) / 1000));
  }

  /** For the browser tests: as if the agent had done nothing for this long. */
  idleFor(seconds: number, now: number) {
    this.lastInput = now - seconds * 1000;
  }
}

/** The state to show: what the hub says, offline when it says nothing. */
export function stateOf(p: AgentPresence | undefined): PresenceState {
  return p?.state === 'online' || p?.state === 'away' ? p.state : 'offline';
}

/** Whole minutes an away agent has been idle (at least 1: away comes after minutes of nothing). */
export function idleMinutes(p: AgentPresence | undefined, now: number): number | null {
  if (stateOf(p) !== 'away' || !p?.since) return null;
  const since = Date.parse(p.since);
  if (Number.isNaN(since)) return null;
  return Math.max(1, Math.floor((now - since) / 60_000));
}

/** "Online", "Away · idle 7 min", "Offline". */
export function presenceLabel(p: AgentPresence | undefined, now: number): string {
  const state = stateOf(p);
  if (state === 'online') return 'Online';
  if (state === 'offline') return 'Offline';
  const minutes = idleMinutes(p, now);
  return minutes === null ? 'Away' : `Away · idle ${minutes} min`;
}
