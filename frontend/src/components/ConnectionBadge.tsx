import { useLive } from '../store/live';

const labels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };

/** Whether live updates are flowing: live, reconnecting (catching up next) or offline. */
export function ConnectionBadge() {
  const state = useLive((s) => s.connection);
  return (
    <span className={`badge conn conn-${state}`} data-testid="connection" data-state={state}>
      {labels[state]}
    </span>
  );
}
