import type { AttributeValue } from '../api/types';

// The server's rules for a contact's attributes (services/Api/Contacts/ContactAttributes.cs), checked in the panel
// first so the agent sees why at once; the server checks them again.

export const MAX_ATTRIBUTES = 50;
export const MAX_KEY_LENGTH = 64;
export const MAX_VALUE_LENGTH = 500;

const KEY = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

/** Why a key cannot be used (null: it can). */
export function keyProblem(key: string, existing: string[] = []): string | null {
  if (!key) return 'Give the attribute a name.';
  if (key.length > MAX_KEY_LENGTH) return `A name has at most ${MAX_KEY_LENGTH} characters.`;
  if (!KEY.test(key)) return 'A name is letters, digits, _ . or - (starting with a letter or digit), no spaces.';
  if (existing.includes(key)) return `"${key}" is there already: change its value instead.`;
  if (existing.length >= MAX_ATTRIBUTES) return `A contact has at most ${MAX_ATTRIBUTES} attributes.`;
  return null;
}

/** Why a value cannot be used (null: it can). */
export function valueProblem(value: string): string | null {
  if (!value.trim()) return 'Give it a value (× removes an attribute).';
  if (value.length > MAX_VALUE_LENGTH) return `A value has at most ${MAX_VALUE_LENGTH} characters.`;
  return null;
}

/** How a value shows (numbers and true/false set through the API included). */
export function shownValue(value: AttributeValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** The attributes in the order the panel lists them: by name, case-insensitively. */
export function sortedAttributes(attributes: Record<string, AttributeValue> | null | undefined): [string, AttributeValue][] {
  return Object.entries(attributes ?? {}).sort(([a], [b]) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}
