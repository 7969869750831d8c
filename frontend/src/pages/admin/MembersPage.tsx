import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { AdminMember, Invite, Seats } from '../../api/admin';
import { toastError, useToasts } from '../../store/toasts';

export function MembersPage({ role, meId }: { role: string; meId: string }) {
  const qc = useQueryClient();
  const members = useQuery({ queryKey: ['admin', 'members'], queryFn: () => api<{ items: AdminMember[]; seats: Seats }>('/api/admin/members') });
  const invites = useQuery({ queryKey: ['admin', 'invites'], queryFn: () => api<{ items: Invite[] }>('/api/admin/invites') });
  const refresh = () => qc.invalidateQueries({ queryKey: ['admin'] });
  const act = useMutation({
    mutationFn: ({ path, method, body }: { path: string; method: string; body?: unknown }) => api(path, { method, body }),
    onSuccess: refresh,
    onError: toastError,
  });

  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState('agent');
  const [created, setCreated] = useState<Invite | null>(null);

  async function invite(e: FormEvent) {
    e.preventDefault();
    try {
      const made = await api<Invite>('/api/admin/invites', { method: 'POST', body: { email, role: inviteRole } });
      setCreated(made);
      setEmail('');
      useToasts.getState().show(`Invitation created for ${made.email}`);
      void refresh();
    } catch (err) {
      toastError(err);
    }
  }

  const seats = members.data?.seats;
  const roles = role === 'owner' ? ['owner', 'admin', 'agent'] : ['admin', 'agent'];

  return (
    <>
      {seats && (
        <section className="card seats" data-testid="seats">
          <strong>Seats:</strong> {seats.used} used of {seats.limit} · <strong>{seats.free} free</strong>
          <span className="muted small"> ({seats.activeMembers} active members, {seats.pendingInvites} pending invites{seats.countPendingInvites ? ' counted' : ' not counted'})</span>
        </section>
      )}
      <section className="card">
        <h2>Members</h2>
        {members.isError && <p className="error">{members.error.message}</p>}
        <table>
          <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Status</th><th /></tr></thead>
          <tbody>
            {members.data?.items.map((m) => (
              <tr key={m.userId} data-testid="member-row">
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  <select value={m.role} disabled={m.userId === meId || (m.role === 'owner' && role !== 'owner')} aria-label={`Role of ${m.name}`}
                    onChange={(e) => act.mutate({ path: `/api/admin/members/${m.userId}/role`, method: 'PUT', body: { role: e.target.value } })}>
                    {(roles.includes(m.role) ? roles : [m.role, ...roles]).map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td>{m.active ? 'active' : `deactivated ${m.deactivatedAt ? new Date(m.deactivatedAt).toLocaleDateString() : ''}`}</td>
                <td>
                  {m.userId !== meId && (m.active ? (
                    <button className="danger" onClick={() => confirm(`Deactivate ${m.name}? They are signed out at once.`) && act.mutate({ path: `/api/admin/members/${m.userId}/deactivate`, method: 'POST' })}>Deactivate</button>
                  ) : (
                    <button onClick={() => act.mutate({ path: `/api/admin/members/${m.userId}/reactivate`, method: 'POST' })}>Reactivate</button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Invitations</h2>
        <form className="inline-form" onSubmit={invite}>
          <input type="email" placeholder="email@company.com" value={email} onChange={(e) => setEmail(e.target.value)} required aria-label="Invite email" />
          <select value={inviteRole} onChange={(e) => setInviteRole(e.target.value)} aria-label="Invite role">
            <option value="agent">agent</option>
            <option value="admin">admin</option>
          </select>
          <button type="submit" disabled={seats ? seats.free <= 0 : false}>Invite</button>
          {seats && seats.free <= 0 && <span className="error small">No free seat</span>}
        </form>
        {created?.acceptUrl && (
          <p className="invite-link" data-testid="invite-link">
            Send this link to {created.email} (shown once): <code>{location.origin + created.acceptUrl}</code>
          </p>
        )}
        <table>
          <thead><tr><th>Email</th><th>Role</th><th>Invited by</th><th>Expires</th><th /></tr></thead>
          <tbody>
            {invites.data?.items.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td>{i.role}</td>
                <td>{i.invitedBy}</td>
                <td>{new Date(i.expiresAt).toLocaleString()}</td>
                <td><button onClick={() => act.mutate({ path: `/api/admin/invites/${i.id}`, method: 'DELETE' })}>Revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
