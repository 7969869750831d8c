import { describe, expect, it } from 'vitest';
import { ActivityTracker, HEARTBEAT_EVERY_MS, idleMinutes, presenceLabel, stateOf } from './presence';

const t0 = 1_000_000;

describe('activity tracker', () => {
  it('sends a heartbeat on the first input, then at most one per period while the agent is active', () => {
    const a = new ActivityTracker(t0);
    expect(a.input(t0 + 10)).toBe(true);
    expect(a.input(t0 + 1_000)).toBe(false);
    expect(a.input(t0 + HEARTBEAT_EVERY_MS - 1)).toBe(false);
    expect(a.input(t0 + 10 + HEARTBEAT_EVERY_MS)).toBe(true);
  });

  it('sends none while the agent is idle, and one at once when they come back', () => {
    const a = new ActivityTracker(t0);
    a.input(t0);
    // Ten idle minutes: no input, no heartbeat; the hub marks the agent away by itself.
    expect(a.idleSeconds(t0 + 600_000)).toBe(600);
    expect(a.input(t0 + 600_000)).toBe(true);
    expect(a.idleSeconds(t0 + 600_000)).toBe(0);
  });

  it('counts a (re)connect of an active agent as a beat', () => {
    const a = new ActivityTracker(t0);
    expect(a.connected(t0 + 5_000)).toBeNull();
    expect(a.input(t0 + 6_000)).toBe(false); // the new connection is active already
  });

  it('reports the idle time on a (re)connect after more than a beat period, and beats at the next input', () => {
    const a = new ActivityTracker(t0);
    a.input(t0);
    expect(a.connected(t0 + HEARTBEAT_EVERY_MS - 1_000)).toBeNull();
    expect(a.connected(t0 + 15 * 60_000)).toBe(15 * 60); // a token renewal after 15 idle minutes
    expect(a.input(t0 + 15 * 60_000 + 10)).toBe(true); // back: online again at once
    a.idleFor(600, t0 + 2_000_000);
    expect(a.connected(t0 + 2_000_000)).toBe(600);
  });
});

describe('presence labels', () => {
  const now = Date.parse('2026-12-08T10:00:00Z');

  it('shows online, away with the idle minutes, and offline for anyone the hub does not report', () => {
    expect(presenceLabel({ userName: 'A', state: 'online', since: null }, now)).toBe('Online');
    expect(presenceLabel({ userName: 'A', state: 'away', since: '2026-12-08T09:52:30Z' }, now)).toBe('Away · idle 7 min');
    expect(presenceLabel({ userName: 'A', state: 'away', since: null }, now)).toBe('Away');
    expect(presenceLabel({ userName: 'A', state: 'offline', since: null }, now)).toBe('Offline');
    expect(presenceLabel(undefined, now)).toBe('Offline');
    expect(stateOf({ userName: 'A', state: 'strange', since: null })).toBe('offline');
  });

  it('counts at least one idle minute, and none for an agent who is not away', () => {
    expect(idleMinutes({ userName: 'A', state: 'away', since: '2026-12-08T09:59:50Z' }, now)).toBe(1);
    expect(idleMinutes({ userName: 'A', state: 'online', since: '2026-12-08T09:00:00Z' }, now)).toBeNull();
  });
});
