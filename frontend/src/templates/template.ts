// What a WhatsApp template needs from the agent, and the send components it becomes: the client's side of the
// Api's TemplateDefinition (which checks the same again before anything is queued).
import type { Template } from '../api/types';
import { placeholdersOf } from '../format/format';

/** One value the agent fills in: a header's text or media link, a body parameter, a button's parameter. */
export interface TemplateInput {
  key: string;
  part: 'header' | 'body' | 'button';
  label: string;
  placeholder: string;
  /** Media headers take a link (https://…) to an image, video or document. */
  media?: 'image' | 'video' | 'document';
  /** The placeholder it fills ({{1}}, {{first_name}}) or the button's index. */
  slot: string;
  buttonIndex?: number;
  buttonParameter?: 'text' | 'coupon_code';
}

export interface TemplateButton {
  index: number;
  type: string;
  text: string;
  url?: string;
  phone?: string;
  parameter: 'text' | 'coupon_code' | null;
}

/** A template's parts, from Meta's definition. */
export interface TemplateParts {
  headerFormat: string | null;
  headerText: string | null;
  body: string;
  footer: string | null;
  buttons: TemplateButton[];
  named: boolean;
}

const mediaFormats = ['IMAGE', 'VIDEO', 'DOCUMENT'];
const keyOf = (placeholder: string) => placeholder.replace(/[{}\s]/g, '');

export function partsOf(t: Template): TemplateParts {
  const component = (type: string) => t.components.find((c) => c.type?.toUpperCase() === type);
  const header = component('HEADER');
  const headerFormat = header ? (header.format ?? 'TEXT').toUpperCase() : null;
  const buttons = (component('BUTTONS')?.buttons ?? []).map((b, index): TemplateButton => {
    const type = b.type.toUpperCase();
    const parameter = type === 'URL' && b.url && placeholdersOf(b.url).length ? 'text' : type === 'COPY_CODE' ? 'coupon_code' : null;
    return { index, type, text: b.text, url: b.url, phone: b.phone_number, parameter };
  });
  const body = component('BODY')?.text ?? t.body;
  return {
    headerFormat,
    headerText: headerFormat === 'TEXT' ? header?.text ?? '' : null,
    body,
    footer: component('FOOTER')?.text ?? null,
    buttons,
    named: t.parameterFormat?.toUpperCase() === 'NAMED' || placeholdersOf(body).some((p) => !/^\d+$/.test(keyOf(p))),
  };
}

/** Whether the agent can send it, and if not, why (WhatsApp's status, reason and explanation). */
export function unavailableReason(t: Template): string | null {
  if (t.status !== 'approved') {
    const status = t.status.replace(/_/g, ' ');
    return [`${status[0].toUpperCase()}${status.slice(1)} by WhatsApp`, t.statusReason && `(${t.statusReason.replace(/_/g, ' ').toLowerCase()})`,
      t.statusDetail && `— ${t.statusDetail}`].filter(Boolean).join(' ');
  }
  if (partsOf(t).headerFormat === 'LOCATION') return 'A location header cannot be sent from the inbox';
  return null;
}

/** Sendable ones first, each group by name and language. */
export function pickerOrder(templates: Template[]): Template[] {
  const rank = (t: Template) => (unavailableReason(t) ? 1 : 0);
  return [...templates].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

export function inputsOf(t: Template): TemplateInput[] {
  const parts = partsOf(t);
  const inputs: TemplateInput[] = [];
  if (parts.headerFormat && mediaFormats.includes(parts.headerFormat)) {
    const media = parts.headerFormat.toLowerCase() as 'image' | 'video' | 'document';
    inputs.push({ key: 'header', part: 'header', slot: media, media, label: `Header ${media} URL`, placeholder: `https://… ${media} link` });
  }
  for (const slot of placeholdersOf(parts.headerText ?? ''))
    inputs.push({ key: `header ${slot}`, part: 'header', slot, label: `Header ${slot}`, placeholder: slot });
  const bodySlots = placeholdersOf(parts.body);
  // Positional parameters go in number order ({{2}} may come first in the text).
  if (!parts.named) bodySlots.sort((a, b) => Number(keyOf(a)) - Number(keyOf(b)));
  for (const slot of bodySlots)
    inputs.push({ key: `body ${slot}`, part: 'body', slot, label: `Template parameter ${slot}`, placeholder: slot });
  for (const b of parts.buttons.filter((x) => x.parameter))
    inputs.push({
      key: `button ${b.index}`, part: 'button', slot: String(b.index), buttonIndex: b.index, buttonParameter: b.parameter!,
      label: b.parameter === 'coupon_code' ? `Button "${b.text}" code` : `Button "${b.text}" link ending`,
      placeholder: b.parameter === 'coupon_code' ? 'Coupon code' : b.url?.replace(/\{\{[^}]+\}\}/, '…') ?? '…',
    });
  return inputs;
}

/** Every input filled (a media link must be an http(s) URL). */
export function isComplete(t: Template, values: Record<string, string>): boolean {
  return inputsOf(t).every((i) => {
    const v = values[i.key]?.trim();
    return !!v && (!i.media || /^https?:\/\/\S+$/i.test(v));
  });
}

/** Meta's send components for the values given (undefined when the template takes none). */
export function toComponents(t: Template, values: Record<string, string>): unknown[] | undefined {
  const parts = partsOf(t);
  const inputs = inputsOf(t);
  const value = (i: TemplateInput) => values[i.key]?.trim() ?? '';
  const text = (i: TemplateInput) =>
    parts.named && i.part !== 'button' ? { type: 'text', parameter_name: keyOf(i.slot), text: value(i) } : { type: 'text', text: value(i) };
  const components: unknown[] = [];
  const header = inputs.filter((i) => i.part === 'header');
  if (header.length)
    components.push({
      type: 'header',
      parameters: header.map((i) => (i.media ? { type: i.media, [i.media]: { link: value(i) } } : text(i))),
    });
  const body = inputs.filter((i) => i.part === 'body');
  if (body.length) components.push({ type: 'body', parameters: body.map(text) });
  for (const i of inputs.filter((x) => x.part === 'button'))
    components.push({
      type: 'button',
      sub_type: i.buttonParameter === 'coupon_code' ? 'copy_code' : 'url',
      index: String(i.buttonIndex),
      parameters: [i.buttonParameter === 'coupon_code' ? { type: 'coupon_code', coupon_code: value(i) } : { type: 'text', text: value(i) }],
    });
  return components.length ? components : undefined;
}

/** What the customer will read, with the values filled in (a placeholder stays until it has one). */
export function previewOf(t: Template, values: Record<string, string>) {
  const parts = partsOf(t);
  const fill = (text: string, part: 'header' | 'body') =>
    placeholdersOf(text).reduce((out, slot) => out.split(slot).join(values[`${part} ${slot}`]?.trim() || slot), text);
  const media = parts.headerFormat && mediaFormats.includes(parts.headerFormat)
    ? { type: parts.headerFormat.toLowerCase(), link: values.header?.trim() || null }
    : null;
  return {
    header: parts.headerText ? fill(parts.headerText, 'header') : null,
    media,
    body: fill(parts.body, 'body'),
    footer: parts.footer,
    buttons: parts.buttons.map((b) => b.text),
  };
}
