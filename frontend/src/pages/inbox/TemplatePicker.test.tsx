import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { hello, paused, sale, shipping } from '../../templates/fixtures';
import { TemplateForm, TemplateList } from './TemplatePicker';

/** The rendered options as [name, disabled, the reason shown]. */
function options(html: string) {
  return [...html.matchAll(/<button[^>]*data-name="([^"]+)"[^>]*>(.*?)<\/button>/g)].map(([tag, name, inner]) => [
    name, /\sdisabled=""/.test(tag), /data-testid="template-reason">([^<]*)</.exec(inner)?.[1] ?? null,
  ]);
}

describe('the template picker', () => {
  it('offers the approved templates and shows the others disabled with WhatsApp\'s reason', () => {
    const html = renderToStaticMarkup(<TemplateList templates={[sale, shipping, paused, hello]} chosenId="" onChoose={() => {}} />);
    expect(options(html)).toEqual([
      ['hello_world', false, null],
      ['shipping_update', false, null],
      ['order_update', true, 'Paused by WhatsApp — FIRST_PAUSE Paused for low quality.'],
      ['summer_sale', true, 'Rejected by WhatsApp (incorrect category)'],
    ]);
    expect(html).toContain('aria-selected="false"');
  });

  it('says so when the number\'s account has no templates', () => {
    expect(renderToStaticMarkup(<TemplateList templates={[]} chosenId="" onChoose={() => {}} />)).toContain('no templates yet');
  });

  it('asks for the chosen template\'s header, body and button values and previews it, not sendable until filled', () => {
    const html = renderToStaticMarkup(<TemplateForm template={shipping} busy={false} onSend={async () => true} />);
    for (const label of ['Header image URL', 'Template parameter {{1}}', 'Template parameter {{2}}', 'Button &quot;Track parcel&quot; link ending'])
      expect(html).toContain(`aria-label="${label}"`);
    expect(html).toContain('Hi {{1}}, your parcel {{2}} has shipped.');
    expect(html).toContain('Reply STOP to opt out');
    expect(html).toContain('Track parcel');
    expect(html).toMatch(/<button disabled="">Send template<\/button>/);
    // A template without parameters can be sent at once.
    expect(renderToStaticMarkup(<TemplateForm template={hello} busy={false} onSend={async () => true} />)).toMatch(/<button>Send template<\/button>/);
  });
});
