import { describe, expect, it } from 'vitest';
import type { EventPage, StreamedEvent } from '../api/types';
import { StreamFollower } from './stream';

const ev = (position: number, name = 'message:new'): StreamedEvent => ({
  position, sequence: position, conversationId: 'c1', name, payload: { position },
});

function follower() {
  const applied: number[] = [];
  const moments: string[] = [];
  const f = new StreamFollower((name, payload) => {
    const p = (payload as { position?: number }).position;
    if (p === undefined) moments.push(name);
    else applied.push(p);
  });
  return { f, applied, moments };
}

/** A server whose stream holds `positions`, served in pages of `size`. */
const server = (positions: number[], size = 2) => async (after: number): Promise<EventPage> => {
  const rest = positions.filter((p) => p > after);
  return { events: rest.slice(0, size).map((p) => ev(p)), latestPosition: Math.max(0, ...positions), hasMore: rest.length > size };
};

describe('StreamFollower', () => {
  it('holds live events until it knows where to start, then applies only the later ones', () => {
    const { f, applied } = follower();
    f.receive('message:new', { position: 5 });
    f.receive('message:new', { position: 7 });
    expect(applied).toEqual([]);
    f.startAt(5);
    expect(applied).toEqual([7]);
  });

  it('applies live events in order and drops duplicates and replays', () => {
    const { f, applied } = follower();
    f.startAt(0);
    for (const p of [1, 2, 2, 3, 1]) f.receive('message:new', { position: p });
    expect(applied).toEqual([1, 2, 3]);
    expect(f.lastPosition).toBe(3);
  });

  it('passes moments without a position (typing, presence) straight through, even while holding', () => {
    const { f, applied, moments } = follower();
    f.receive('typing:start', { conversationId: 'c1', userId: 'u' });
    expect(moments).toEqual(['typing:start']);
    expect(applied).toEqual([]);
  });

  it('after a reconnect merges caught-up and held live events in position order, each once', async () => {
    const { f, applied } = follower();
    f.startAt(0);
    f.receive('message:new', { position: 1 });
    f.hold(); // connection dropped; 2..4 happened while away
    const catchUp = f.catchUp(async (after) => {
      // Live events arrive while the catch-up request is in flight: one the page also has, one after it.
      f.receive('message:new', { position: 6 });
      f.receive('message:new', { position: 4 });
      return server([1, 2, 3, 4, 5], 10)(after);
    });
    expect(applied).toEqual([1]);
    await catchUp;
    expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f.isHolding).toBe(false);
    f.receive('message:new', { position: 7 });
    expect(applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('pages through a long absence', async () => {
    const { f, applied } = follower();
    f.startAt(10);
    f.hold();
    await f.catchUp(server([9, 10, 11, 12, 13, 14, 15], 2));
    expect(applied).toEqual([11, 12, 13, 14, 15]);
  });

  it('keeps holding when the catch-up fails, and a later catch-up applies everything once', async () => {
    const { f, applied } = follower();
    f.startAt(0);
    f.hold();
    f.receive('message:new', { position: 3 });
    await expect(f.catchUp(async () => { throw new Error('offline'); })).rejects.toThrow('offline');
    f.receive('message:new', { position: 4 });
    expect(applied).toEqual([]);
    await f.catchUp(server([1, 2, 3]));
    expect(applied).toEqual([1, 2, 3, 4]);
  });
});
