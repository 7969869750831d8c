import type { EventPage } from '../api/types';

/**
 * What a client does to miss nothing (the web twin of tests/…/StreamFollower.cs): remember the last stream
 * position applied; while catching up (at start and after every reconnect) hold live events, fetch everything
 * after that position, then apply the fetched and the held events in position order, each once.
 * Events without a position (typing, presence, viewers) are moments, not stream: they pass straight through.
 */
export class StreamFollower {
  lastPosition = 0;
  private holding = true; // nothing is applied before the starting position is known
  private held: { position: number; name: string; payload: unknown }[] = [];
  private readonly apply: (name: string, payload: unknown) => void;

  constructor(apply: (name: string, payload: unknown) => void) {
    this.apply = apply;
  }

  get isHolding() {
    return this.holding;
  }

  /** A live event from the hub. */
  receive(name: string, payload: unknown) {
    const position = (payload as { position?: unknown } | null)?.position;
    if (typeof position !== 'number') {
      this.apply(name, payload);
      return;
    }
    if (this.holding) this.held.push({ position, name, payload });
    else this.applyOnce(position, name, payload);
  }

  /** The connection dropped: hold live events until the next catch-up. */
  hold() {
    this.holding = true;
  }

  /** Starts following from a position known to be reflected in what was loaded (nothing before it applies). */
  startAt(position: number) {
    this.lastPosition = Math.max(this.lastPosition, position);
    this.release();
  }

  /** Fetches and applies everything after the last position, page by page, then the held live events. */
  async catchUp(fetchPage: (after: number) => Promise<EventPage>) {
    this.holding = true;
    for (;;) {
      const page = await fetchPage(this.lastPosition);
      for (const e of page.events) this.applyOnce(e.position, e.name, e.payload);
      if (!page.hasMore) break;
    }
    this.release();
  }

  private release() {
    const held = this.held.sort((a, b) => a.position - b.position);
    this.held = [];
    for (const e of held) this.applyOnce(e.position, e.name, e.payload);
    this.holding = false;
  }

  private applyOnce(position: number, name: string, payload: unknown) {
    if (position <= this.lastPosition) return; // applied already: a duplicate or a replay
    this.lastPosition = position;
    this.apply(name, payload);
  }
}
