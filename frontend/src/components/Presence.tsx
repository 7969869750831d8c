import { useEffect, useState } from 'react';
import { presenceLabel, stateOf } from '../realtime/presence';
import { useLive } from '../store/live';

/** The time now, and a render again every `everyMs` (so "idle N min" moves on; any other render reads the clock too). */
export function useNow(everyMs = 30_000): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return Date.now();
}

/** The signed-in agent as colleagues see them: online, away (idle N min), or offline while not connected. */
export function MyPresence() {
  const me = useLive((s) => (s.meId ? s.presence[s.meId] : undefined));
  const live = useLive((s) => s.connection === 'live');
  const now = useNow();
  const shown = live ? me : undefined;
  const state = stateOf(shown);
  return (
    <span className={`badge presence presence-${state}`} data-testid="my-presence" data-state={state}
      title="How your colleagues see you: away after minutes without activity here">
      <span className="presence-dot" aria-hidden="true" />
      {presenceLabel(shown, now)}
    </span>
  );
}
