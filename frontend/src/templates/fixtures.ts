// Templates as GET /api/templates returns them (the simulator's samples), for the tests.
import type { Template, TemplateComponent } from '../api/types';

export function template(name: string, components: TemplateComponent[], extra: Partial<Template> = {}): Template {
  return {
    id: `id-${name}`, wabaId: '200000000000001', name, language: 'en_US', category: 'utility', status: 'approved',
    statusReason: null, statusDetail: null, statusAt: '2026-12-24T10:00:00Z', parameterFormat: 'POSITIONAL',
    body: components.find((c) => c.type === 'BODY')?.text ?? '', components, updatedAt: '2026-12-24T10:00:00Z', ...extra,
  };
}

export const shipping = template('shipping_update', [
  { type: 'HEADER', format: 'IMAGE' },
  { type: 'BODY', text: 'Hi {{1}}, your parcel {{2}} has shipped.' },
  { type: 'FOOTER', text: 'Reply STOP to opt out' },
  { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track parcel', url: 'https://shop.example/track/{{1}}' }, { type: 'QUICK_REPLY', text: 'Stop' }] },
]);

export const hello = template('hello_world', [
  { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
  { type: 'BODY', text: 'Welcome and congratulations!!' },
  { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
]);

export const delivery = template('delivery_window', [{ type: 'BODY', text: 'Hi {{first_name}}, we deliver between {{from}} and {{to}}.' }],
  { parameterFormat: 'NAMED' });

export const sale = template('summer_sale', [{ type: 'BODY', text: 'Hi {{1}}, everything is 50% off!' }],
  { category: 'marketing', status: 'rejected', statusReason: 'INCORRECT_CATEGORY' });

export const paused = template('order_update', [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' }],
  { status: 'paused', statusDetail: 'FIRST_PAUSE Paused for low quality.' });
