import { describe, expect, it } from 'vitest';
import { delivery, hello, paused, sale, shipping, template } from './fixtures';
import { inputsOf, isComplete, partsOf, pickerOrder, previewOf, toComponents, unavailableReason } from './template';

describe('templates', () => {
  it('asks for a media header\'s link, each body parameter and a dynamic URL button\'s ending', () => {
    expect(inputsOf(shipping).map((i) => i.label)).toEqual([
      'Header image URL', 'Template parameter {{1}}', 'Template parameter {{2}}', 'Button "Track parcel" link ending',
    ]);
    expect(inputsOf(hello)).toEqual([]);
    expect(partsOf(shipping).buttons.map((b) => b.parameter)).toEqual(['text', null]);
  });

  it('builds Meta\'s send components from what the agent filled in', () => {
    const values = { header: 'https://example.test/p.jpg', 'body {{1}}': ' Ana ', 'body {{2}}': 'PX-7', 'button 0': 'PX-7' };
    expect(isComplete(shipping, values)).toBe(true);
    expect(toComponents(shipping, values)).toEqual([
      { type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.test/p.jpg' } }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'PX-7' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'PX-7' }] },
    ]);
    expect(isComplete(shipping, { ...values, header: 'not a link' })).toBe(false);
    expect(isComplete(shipping, { ...values, 'button 0': '' })).toBe(false);
    expect(toComponents(hello, {})).toBeUndefined();
  });

  it('sends named parameters by name and positional ones in number order', () => {
    expect(toComponents(delivery, { 'body {{first_name}}': 'Ana', 'body {{from}}': '9:00', 'body {{to}}': '11:00' })).toEqual([
      { type: 'body', parameters: [
        { type: 'text', parameter_name: 'first_name', text: 'Ana' }, { type: 'text', parameter_name: 'from', text: '9:00' },
        { type: 'text', parameter_name: 'to', text: '11:00' },
      ] },
    ]);
    const reversed = template('reversed', [{ type: 'BODY', text: 'Order {{2}} for {{1}}' }]);
    expect(inputsOf(reversed).map((i) => i.slot)).toEqual(['{{1}}', '{{2}}']);
  });

  it('previews the header, the body with the values in place, the footer and the buttons', () => {
    expect(previewOf(shipping, { 'body {{1}}': 'Ana' })).toEqual({
      header: null, media: { type: 'image', link: null }, body: 'Hi Ana, your parcel {{2}} has shipped.',
      footer: 'Reply STOP to opt out', buttons: ['Track parcel', 'Stop'],
    });
    expect(previewOf(hello, {}).header).toBe('Hello World');
  });

  it('says why one cannot be sent, and lists the sendable ones first', () => {
    expect(unavailableReason(shipping)).toBeNull();
    expect(unavailableReason(sale)).toBe('Rejected by WhatsApp (incorrect category)');
    expect(unavailableReason(paused)).toBe('Paused by WhatsApp — FIRST_PAUSE Paused for low quality.');
    expect(unavailableReason(template('pinned', [{ type: 'HEADER', format: 'LOCATION' }, { type: 'BODY', text: 'Here' }]))).toMatch(/location/);
    expect(pickerOrder([sale, shipping, paused, hello]).map((t) => t.name)).toEqual(['hello_world', 'shipping_update', 'order_update', 'summer_sale']);
  });
});
