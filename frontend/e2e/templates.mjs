// Templates come from WhatsApp: an owner adds a number in the admin; Workers read its WABA's templates from the
// Graph API (the simulator's); an agent whose customer last wrote yesterday is offered the approved ones with their
// parts and sees the others disabled with WhatsApp's reason; Meta pausing one (its status webhook) disables it;
// a template with an image header, two body parameters and a link button goes out and reaches read.
import { API, eventually, screenshot, simulator } from './harness.mjs';

export async function templatesFromWhatsApp({ a, b, run }) {
  const phoneNumberId = `7${run}0001`;
  const wabaId = `waba-e2e-${run}`;
  const accessToken = `e2e-token-${run}`;
  const only = `welcome_${run}`; // a template of this account alone
  await simulator('/simulator/numbers', { phoneNumberId, accessToken, wabaId, displayPhoneNumber: `1555${run}9` });
  await simulator('/simulator/templates', {
    wabaId, name: only, language: 'en_US', notify: false,
    components: [{ type: 'HEADER', format: 'TEXT', text: 'Welcome {{1}}' }, { type: 'BODY', text: 'We are glad you are here.' }],
  });

  // The owner adds the number; its templates are read at once.
  await b.page.goto(API + '/admin');
  await b.page.click('button.tab:has-text("WhatsApp numbers")');
  const form = b.page.locator('form.grid-form');
  for (const [field, value] of Object.entries({ name: `Parcels ${run}`, phoneNumberId, wabaId, accessToken }))
    await form.locator(`label:has-text("${field}") input`).fill(value);
  await form.locator('button[type=submit]').click();
  const row = b.page.locator('tr', { hasText: phoneNumberId });
  await row.waitFor();
  await eventually(async () => {
    if ((await row.locator('[data-testid=number-templates]').textContent()).includes('7 approved of 8')) return true;
    await b.page.reload();
    await b.page.click('button.tab:has-text("WhatsApp numbers")');
    return false;
  }, 'the number\'s templates to be read', 30_000);
  await screenshot(b.page, 'numbers');

  // A customer of that number wrote 25 hours ago: only a template may be sent.
  const from = `1558${run}`;
  const name = `Parcel Customer ${run}`;
  await simulator('/simulator/inject?wait=true', {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: `1555${run}9`, phone_number_id: phoneNumberId },
      contacts: [{ profile: { name }, wa_id: from }],
      messages: [{ from, id: `wamid.e2e.parcel.${run}`, timestamp: String(Math.floor(Date.now() / 1000) - 25 * 3600), type: 'text',
        text: { body: `Where is my parcel? ${run}` } }],
    } }] }],
  });
  const page = a.page;
  const open = async () => {
    await page.fill('input[aria-label=Search]', name);
    await page.locator('[data-testid=conversation-row]', { hasText: name }).first().click();
    await page.locator('[data-testid=window]', { hasText: 'Window closed' }).waitFor();
  };
  await open();
  const picker = page.locator('[data-testid=template-picker]');
  const option = (n) => picker.locator(`[data-testid=template-option][data-name="${n}"]`);
  await option(only).waitFor(); // this number's account: its own template is offered
  if (await option('shipping_update').isDisabled()) throw new Error('an approved template is disabled');
  const rejected = option('summer_sale');
  if (!(await rejected.isDisabled())) throw new Error('a rejected template can be chosen');
  const reason = await rejected.locator('[data-testid=template-reason]').textContent();
  if (reason !== 'Rejected by WhatsApp (incorrect category)') throw new Error(`the rejected template says "${reason}"`);

  // Meta pauses order_update (its status webhook): reopened, the picker shows it disabled with WhatsApp's words.
  await simulator('/simulator/templates?wait=true', { wabaId, name: 'order_update', language: 'en_US', status: 'PAUSED', detail: `Paused for low quality ${run}.` });
  await page.reload();
  await page.waitForSelector('[data-testid=connection][data-state=live]');
  await open();
  await eventually(async () => (await option('order_update').locator('[data-testid=template-reason]').textContent())
    === `Paused by WhatsApp — FIRST_PAUSE Paused for low quality ${run}.`, 'the paused template to show why');
  if (!(await option('order_update').isDisabled())) throw new Error('a paused template can be chosen');

  // shipping_update: an image header, two body parameters and the tracking link's ending, previewed, then sent.
  await option('shipping_update').click();
  const form2 = picker.locator('[data-testid=template-form]');
  await form2.locator('input[aria-label="Header image URL"]').fill(`${API}/favicon.svg`);
  await form2.locator('input[aria-label="Template parameter {{1}}"]').fill('Yara');
  await form2.locator('input[aria-label="Template parameter {{2}}"]').fill(`PX-${run}`);
  const send = form2.locator('button', { hasText: 'Send template' });
  if (!(await send.isDisabled())) throw new Error('the template could be sent without the tracking link\'s ending');
  await form2.locator('input[aria-label=\'Button "Track parcel" link ending\']').fill(`PX-${run}`);
  await picker.locator('[data-testid=template-preview]', { hasText: `Hi Yara, your parcel PX-${run} has shipped.` }).waitFor();
  await screenshot(page, 'template-picker');
  await send.click();
  const sent = page.locator('[data-testid=message][data-direction=outbound]', { hasText: `Hi Yara, your parcel PX-${run} has shipped.` });
  await sent.waitFor();
  await sent.locator('.template-button', { hasText: 'Track parcel' }).waitFor();
  await page.locator('[data-testid=message][data-direction=outbound][data-status=read]', { hasText: `PX-${run}` }).waitFor({ timeout: 20_000 });
  await screenshot(page, 'template-sent');
  await page.fill('input[aria-label=Search]', '');
}
