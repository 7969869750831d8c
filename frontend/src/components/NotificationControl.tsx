import { useState } from 'react';
import { notificationsSupported, setSound, soundOn } from '../realtime/notifications';

/** The header's notification switch: asks the browser's permission on a click, then offers the sound. */
export function NotificationControl() {
  const [permission, setPermission] = useState(() => (notificationsSupported() ? Notification.permission : 'denied'));
  const [sound, setSoundState] = useState(soundOn);
  if (!notificationsSupported()) return null;
  if (permission === 'default') {
    return (
      <button className="link" data-testid="enable-notifications"
        onClick={() => void Notification.requestPermission().then(setPermission)}>
        Turn on notifications
      </button>
    );
  }
  if (permission === 'denied') return <span className="muted small" title="Allow them in the browser's site settings">Notifications blocked</span>;
  return (
    <label className="small" data-testid="notification-sound">
      <input type="checkbox" checked={sound} onChange={(e) => { setSound(e.target.checked); setSoundState(e.target.checked); }} /> Sound
    </label>
  );
}
