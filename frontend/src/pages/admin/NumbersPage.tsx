import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { Channel } from '../../api/admin';
import { toastError } from '../../store/toasts';

// The display number is not asked for: the Api reads it from Meta when it proves the number with the token.
const empty = { name: '', phoneNumberId: '', wabaId: '', accessToken: '', appSecret: '' };

export function NumbersPage() {
  const qc = useQueryClient();
  const channels = useQuery({ queryKey: ['admin', 'channels'], queryFn: () => api<{ items: Channel[] }>('/api/admin/channels') });
  const toggle = useMutation({
    mutationFn: (c: Channel) => api(`/api/admin/channels/${c.id}/${c.active ? 'disable' : 'enable'}`, { method: 'POST' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin'] }),
    onError: toastError,
  });
  // Workers read the WABA's templates in a moment: look again shortly.
  const sync = useMutation({
    mutationFn: (c: Channel) => api(`/api/admin/channels/${c.id}/templates/sync`, { method: 'POST' }),
    onSuccess: () => setTimeout(() => void qc.invalidateQueries({ queryKey: ['admin'] }), 1500),
    onError: toastError,
  });
  const [form, setForm] = useState(empty);

  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      await api('/api/admin/channels', { method: 'POST', body: { ...form, appSecret: form.appSecret || undefined } });
      setForm(empty);
      void qc.invalidateQueries({ queryKey: ['admin'] });
    } catch (err) {
      toastError(err);
    }
  }

  return (
    <>
      <section className="card">
        <h2>WhatsApp numbers</h2>
        {channels.isError && <p className="error">{channels.error.message}</p>}
        <table>
          <thead><tr><th>Name</th><th>Number</th><th>Phone number id</th><th>Secrets</th><th>Templates</th><th>Health</th><th /></tr></thead>
          <tbody>
            {channels.data?.items.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>+{c.displayPhoneNumber}</td>
                <td><code>{c.phoneNumberId}</code></td>
                <td className="small">{c.hasAccessToken ? 'token ✓' : 'no token'}{c.hasAppSecret ? ' · app secret ✓' : ''}</td>
                <td className="small" data-testid="number-templates">
                  {c.health.approvedTemplates} approved of {c.health.templates} · WABA <code>{c.wabaId}</code>
                  <div className="muted">{c.health.templatesSyncedAt ? `read from WhatsApp ${new Date(c.health.templatesSyncedAt).toLocaleString()}` : 'not read yet'}</div>
                  {c.health.templateSyncError && <div className="error">last read failed: {c.health.templateSyncError}</div>}
                  {c.active && <button className="link small" onClick={() => sync.mutate(c)}>Read again</button>}
                </td>
                <td className="small">
                  last webhook {c.health.lastWebhookAt ? new Date(c.health.lastWebhookAt).toLocaleString() : 'never'}
                  {c.health.signatureFailures24h > 0 && <span className="error"> · {c.health.signatureFailures24h} bad signatures (24 h)</span>}
                  {c.health.lastSendError && <span className="error"> · last send error: {c.health.lastSendError}</span>}
                </td>
                <td><button className={c.active ? 'danger' : ''} onClick={() => toggle.mutate(c)}>{c.active ? 'Disable' : 'Enable'}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Add a number</h2>
        <form className="grid-form" onSubmit={add}>
          {(Object.keys(empty) as (keyof typeof empty)[]).map((k) => (
            <label key={k}>
              {k}
              <input value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} required={k !== 'appSecret'}
                type={k === 'accessToken' || k === 'appSecret' ? 'password' : 'text'} />
            </label>
          ))}
          <button type="submit">Add number</button>
        </form>
      </section>
    </>
  );
}
