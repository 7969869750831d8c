import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import type { Template } from '../../api/types';
import { inputsOf, isComplete, pickerOrder, previewOf, toComponents, unavailableReason } from '../../templates/template';

type Send = (t: Template, components?: unknown[]) => Promise<boolean>;

/**
 * After the 24-hour window: the templates of the conversation's number, as WhatsApp holds them. Approved ones can be
 * chosen and filled in (header text or media, body parameters, button parameters); the others are shown disabled
 * with WhatsApp's reason. Fetched each time it opens (a template's status changes by Meta's webhooks).
 */
export function TemplatePicker({ channelId, onSend, busy }: { channelId: string; onSend: Send; busy: boolean }) {
  const templates = useQuery({
    queryKey: ['templates', channelId],
    queryFn: () => api<Template[]>(`/api/templates?channelId=${channelId}`),
    staleTime: 0,
    refetchInterval: 60_000,
  });
  const [chosenId, setChosenId] = useState('');
  const chosen = templates.data?.find((t) => t.id === chosenId && !unavailableReason(t));
  return (
    <div className="templates" data-testid="template-picker">
      <p className="muted small">The customer has not written in 24 hours: only an approved template can start the conversation again.</p>
      {templates.isError && <p className="error small">{templates.error.message}</p>}
      {templates.data && (
        <TemplateList templates={templates.data} chosenId={chosen?.id ?? ''} onChoose={(t) => setChosenId(t.id === chosenId ? '' : t.id)} />
      )}
      {chosen && <TemplateForm key={chosen.id} template={chosen} busy={busy} onSend={(components) =>
        onSend(chosen, components).then((ok) => { if (ok) setChosenId(''); return ok; })} />}
    </div>
  );
}

/** Every template of the number: the sendable ones first, the others disabled with the reason. */
export function TemplateList({ templates, chosenId, onChoose }: { templates: Template[]; chosenId: string; onChoose: (t: Template) => void }) {
  if (templates.length === 0)
    return <p className="small" data-testid="no-templates">This number's WhatsApp Business Account has no templates yet: create one in WhatsApp Manager.</p>;
  return (
    <ul className="template-list" role="listbox" aria-label="Templates">
      {pickerOrder(templates).map((t) => {
        const reason = unavailableReason(t);
        return (
          <li key={t.id}>
            <button type="button" role="option" className={`template-option ${t.id === chosenId ? 'chosen' : ''}`} data-testid="template-option"
              data-name={t.name} data-status={t.status} disabled={!!reason} aria-disabled={!!reason} aria-selected={t.id === chosenId}
              onClick={() => onChoose(t)}>
              <span className="template-name">{t.name}</span> <span className="muted small">{t.language} · {t.category}</span>
              {reason ? <span className="template-reason small" data-testid="template-reason">{reason}</span>
                : <span className="template-snippet muted small">{t.body}</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The chosen template's inputs and what the customer will read. */
export function TemplateForm({ template, busy, onSend }: { template: Template; busy: boolean; onSend: (components?: unknown[]) => Promise<boolean> }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const inputs = inputsOf(template);
  const preview = previewOf(template, values);
  return (
    <div className="template-form" data-testid="template-form">
      {inputs.length > 0 && (
        <div className="template-inputs">
          {inputs.map((i) => (
            <label key={i.key} className="small">
              {i.label}
              <input aria-label={i.label} placeholder={i.placeholder} value={values[i.key] ?? ''} type={i.media ? 'url' : 'text'}
                onChange={(e) => setValues((v) => ({ ...v, [i.key]: e.target.value }))} />
            </label>
          ))}
        </div>
      )}
      <div className="template-body" data-testid="template-preview">
        {preview.media && (preview.media.type === 'image' && preview.media.link
          ? <img className="template-media" src={preview.media.link} alt="Header" />
          : <div className="muted small">[{preview.media.type}{preview.media.link ? `: ${preview.media.link}` : ''}]</div>)}
        {preview.header && <strong className="template-header">{preview.header}</strong>}
        <div>{preview.body}</div>
        {preview.footer && <div className="muted small">{preview.footer}</div>}
        {preview.buttons.length > 0 && (
          <div className="template-buttons">{preview.buttons.map((b) => <span key={b} className="template-button">{b}</span>)}</div>
        )}
      </div>
      <div className="compose-row">
        <button disabled={busy || !isComplete(template, values)} onClick={() => onSend(toComponents(template, values))}>Send template</button>
      </div>
    </div>
  );
}
