import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../../api/client';
import type { AttributeValue, Contact, Conversation, Page } from '../../api/types';
import { keyProblem, shownValue, sortedAttributes, valueProblem } from '../../contacts/attributes';
import { listTime } from '../../format/format';
import { navigate } from '../../lib/router';
import { byActivity, useLive, withMine } from '../../store/live';
import { toastError } from '../../store/toasts';

// The contact panel beside the thread: who the customer is (the name agents gave them, their WhatsApp profile name,
// number and BSUID), the tenant's attributes, the conversation's labels and the customer's other conversations.

const STORED = 'inbox.contactPanel';

/** Open or closed, remembered per browser; at first open where there is room for it beside the thread. */
export const useContactPanel = create<{ open: boolean; toggle: () => void }>((set, get) => ({
  open: localStorage.getItem(STORED) !== null ? localStorage.getItem(STORED) === 'open' : window.matchMedia?.('(min-width: 761px)')?.matches ?? true,
  toggle: () => {
    const open = !get().open;
    localStorage.setItem(STORED, open ? 'open' : 'closed');
    set({ open });
  },
}));

export function ContactPanelToggle() {
  const { open, toggle } = useContactPanel();
  return (
    <button className="link" data-testid="contact-panel-toggle" aria-pressed={open} onClick={toggle}
      title={open ? 'Hide the contact panel' : 'Show who the customer is'}>
      Contact
    </button>
  );
}

export function ContactPanel({ conversationId }: { conversationId: string }) {
  const conversation = useLive((s) => s.conversations[conversationId]) as Conversation | undefined;
  const contactId = conversation?.contactId;
  const queryClient = useQueryClient();
  const contact = useQuery({
    queryKey: ['contact', contactId],
    enabled: !!contactId,
    queryFn: () => api<Contact>(`/api/contacts/${contactId}`),
  });

  // Read again when the name shown changed (another agent renamed them) or the customer wrote (their profile name
  // comes with each message).
  const news = conversation ? `${conversation.contactName}|${conversation.lastInboundAt}` : null;
  const seen = useRef(news);
  useEffect(() => {
    const before = seen.current;
    seen.current = news;
    if (before !== null && news !== before && contactId) void queryClient.invalidateQueries({ queryKey: ['contact', contactId] });
  }, [contactId, news, queryClient]);

  /** One change of the contact; the answer is the contact, and the inbox shows its name at once everywhere. */
  async function patch(body: { name?: string | null; attributes?: Record<string, AttributeValue | null> }) {
    const next = await api<Contact>(`/api/contacts/${contactId}`, { method: 'PATCH', body });
    queryClient.setQueryData(['contact', contactId], next);
    const live = useLive.getState();
    live.mergeConversations(Object.values(live.conversations)
      .filter((c) => c.contactId === next.id && c.contactName !== next.name)
      .map((c) => ({ ...c, contactName: next.name })));
    return next;
  }

  return (
    <aside className="contact-panel" data-testid="contact-panel" aria-label="Contact">
      <div className="panel-bar">
        <strong>Contact</strong>
        <button className="link" aria-label="Close the contact panel" onClick={useContactPanel.getState().toggle}>×</button>
      </div>
      {contact.isError && <p className="error pad">{contact.error.message}</p>}
      {!contact.data ? (
        !contact.isError && <p className="muted pad">Loading…</p>
      ) : (
        <>
          <Identity contact={contact.data} patch={patch} />
          <Attributes contact={contact.data} patch={patch} />
          {conversation && <Labels conversation={conversation} />}
          <OtherConversations contactId={contact.data.id} currentId={conversationId} />
        </>
      )}
    </aside>
  );
}

type Patch = (body: { name?: string | null; attributes?: Record<string, AttributeValue | null> }) => Promise<Contact>;

function Identity({ contact, patch }: { contact: Contact; patch: Patch }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = contact.name || (contact.waId ? `+${contact.waId}` : 'Unknown');

  async function save(e: FormEvent) {
    e.preventDefault();
    const name = editing?.trim() ?? '';
    if (!name || name.length > 200) return setError('A name has 1 to 200 characters.');
    try {
      if (name !== contact.name || !contact.namedByAgent) await patch({ name });
      setEditing(null);
      setError(null);
    } catch (x) {
      setError(x instanceof Error ? x.message : String(x));
    }
  }

  return (
    <section className="panel-section contact-head">
      <span className="avatar large" aria-hidden>{shown.replace(/[^\p{L}\p{N}]/gu, '').slice(0, 1).toUpperCase() || '#'}</span>
      {editing === null ? (
        <div className="contact-name-row">
          <span className="contact-name" data-testid="contact-name">{shown}</span>
          <button className="link" data-testid="edit-contact-name" aria-label="Edit the name" onClick={() => setEditing(contact.name ?? '')}>✎</button>
        </div>
      ) : (
        <form className="panel-form" onSubmit={save}>
          <input autoFocus aria-label="Contact name" data-testid="contact-name-input" value={editing} maxLength={200}
            onChange={(e) => setEditing(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setEditing(null)} />
          <button type="submit">Save</button>
          <button type="button" className="link" onClick={() => { setEditing(null); setError(null); }}>Cancel</button>
        </form>
      )}
      {error && <p className="error small" data-testid="contact-name-error">{error}</p>}
      {contact.namedByAgent && contact.profileName && contact.profileName !== contact.name && (
        <div className="muted small" data-testid="contact-profile-name">
          On WhatsApp: {contact.profileName}{' '}
          <button className="link small" title="Drop the name agents gave: show the WhatsApp profile name, and follow it"
            onClick={() => patch({ name: null }).catch(toastError)}>use it</button>
        </div>
      )}
      <dl className="facts">
        <dt>Number</dt>
        <dd data-testid="contact-number">{contact.waId ? `+${contact.waId}` : <span className="muted">not shared (username)</span>}</dd>
        {contact.bsuid && (
          <>
            <dt title="WhatsApp's business-scoped user id: the customer's identity, with or without a number">BSUID</dt>
            <dd className="mono" data-testid="contact-bsuid">{contact.bsuid}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function Attributes({ contact, patch }: { contact: Contact; patch: Patch }) {
  const attributes = sortedAttributes(contact.attributes);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [editing, setEditing] = useState<{ key: string; value: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send(change: Record<string, AttributeValue | null>) {
    try {
      await patch({ attributes: change });
      setError(null);
      return true;
    } catch (x) {
      setError(x instanceof Error ? x.message : String(x));
      return false;
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    const problem = keyProblem(k, attributes.map(([name]) => name)) ?? valueProblem(value);
    if (problem) return setError(problem);
    if (await send({ [k]: value.trim() })) {
      setKey('');
      setValue('');
    }
  }

  async function saveEdit(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const problem = valueProblem(editing.value);
    if (problem) return setError(problem);
    if (await send({ [editing.key]: editing.value.trim() })) setEditing(null);
  }

  return (
    <section className="panel-section" data-testid="contact-attributes">
      <h3>Attributes</h3>
      {attributes.length === 0 && <p className="muted small">None yet: add what your team should know (plan, customer number…).</p>}
      <dl className="facts attributes">
        {attributes.map(([name, v]) => (
          <div key={name} className="attribute" data-testid="attribute" data-key={name}>
            <dt>{name}</dt>
            {editing?.key === name ? (
              <dd>
                <form className="panel-form" onSubmit={saveEdit}>
                  <input autoFocus aria-label={`Value of ${name}`} value={editing.value}
                    onChange={(e) => setEditing({ key: name, value: e.target.value })} onKeyDown={(e) => e.key === 'Escape' && setEditing(null)} />
                  <button type="submit">Save</button>
                </form>
              </dd>
            ) : (
              <dd>
                <span data-testid="attribute-value">{shownValue(v)}</span>
                <span className="attribute-actions">
                  <button className="link" aria-label={`Edit ${name}`} onClick={() => setEditing({ key: name, value: shownValue(v) })}>✎</button>
                  <button className="link" aria-label={`Remove ${name}`} onClick={() => void send({ [name]: null })}>×</button>
                </span>
              </dd>
            )}
          </div>
        ))}
      </dl>
      <form className="panel-form" onSubmit={add}>
        <input aria-label="New attribute name" data-testid="attribute-key" placeholder="name" value={key} onChange={(e) => setKey(e.target.value)} />
        <input aria-label="New attribute value" data-testid="attribute-value-input" placeholder="value" value={value}
          onChange={(e) => setValue(e.target.value)} />
        <button type="submit" data-testid="add-attribute">Add</button>
      </form>
      {error && <p className="error small" data-testid="attribute-error">{error}</p>}
    </section>
  );
}

/** The conversation's labels (they belong to the conversation, not the customer). */
function Labels({ conversation: c }: { conversation: Conversation }) {
  const [label, setLabel] = useState('');

  async function change(path: string, method: string, body?: unknown) {
    try {
      const next = await api<Conversation>(`/api/conversations/${c.id}${path}`, { method, body });
      useLive.getState().mergeConversations([withMine(c, next)]);
      return true;
    } catch (e) {
      toastError(e);
      return false;
    }
  }

  return (
    <section className="panel-section" data-testid="contact-labels">
      <h3>Labels of this conversation</h3>
      <div className="labels">
        {c.labels?.map((l) => (
          <span key={l} className="label" data-testid="panel-label">{l} <button className="link" aria-label={`Remove ${l}`}
            onClick={() => change(`/labels/${encodeURIComponent(l)}`, 'DELETE')}>×</button></span>
        ))}
        <form onSubmit={(e) => { e.preventDefault(); if (label.trim()) void change('/labels', 'POST', { label: label.trim() }).then((ok) => ok && setLabel('')); }}>
          <input className="label-input" placeholder="+ label" value={label} onChange={(e) => setLabel(e.target.value)} aria-label="Add a label" />
        </form>
      </div>
    </section>
  );
}

const SHOWN = 20;

/** The customer's conversations on the tenant's other numbers (one per number: writing again reopens it). */
function OtherConversations({ contactId, currentId }: { contactId: string; currentId: string }) {
  const list = useQuery({
    queryKey: ['contact-conversations', contactId],
    queryFn: () => api<Page<Conversation>>(`/api/contacts/${contactId}/conversations?limit=${SHOWN}`),
  });
  // The ones the inbox knows live (a conversation the customer starts now on another number comes as an event).
  const live = useLive(useShallow((s) => Object.values(s.conversations).filter((c) => c.contactId === contactId && c.id !== currentId)));
  const byId = new Map<string, Conversation>();
  for (const c of list.data?.items ?? []) if (c.id !== currentId) byId.set(c.id, c);
  for (const c of live) byId.set(c.id, c);
  const others = [...byId.values()].sort(byActivity).slice(0, SHOWN);
  return (
    <section className="panel-section" data-testid="contact-conversations">
      <h3>Other conversations</h3>
      {list.isError && <p className="error small">{list.error.message}</p>}
      {list.data && others.length === 0 && <p className="muted small">None: this is the customer's only conversation.</p>}
      {others.map((c) => (
        <button key={c.id} className="contact-conversation" data-testid="contact-conversation" data-conversation-id={c.id}
          onClick={() => navigate(`/c/${c.id}`)}>
          <span className="row-top">
            <span className={`status status-${c.status}`}>{c.status}</span>
            <span className="time">{listTime(c.lastMessageAt ?? c.lastActivityAt)}</span>
          </span>
          <span className="preview">{c.lastMessagePreview ?? 'No messages'}</span>
          {!!c.labels?.length && <span className="row-meta">{c.labels.map((l) => <span key={l} className="label">{l}</span>)}</span>}
        </button>
      ))}
      {(list.data?.nextCursor || byId.size > SHOWN) && <p className="muted small">Only the {SHOWN} most recent are listed.</p>}
    </section>
  );
}
