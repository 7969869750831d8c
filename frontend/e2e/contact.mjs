// The contact panel beside the thread: an agent renames a customer (a colleague's list follows live), adds an
// attribute (a bad name is refused in the panel) and a label; the customer writes again under another WhatsApp
// profile name, and the agent's name stays — the panel shows the profile name beside it. The customer then writes
// to another of the tenant's numbers: the panel lists that conversation and opens it.
import { API, OWNER, apiLogin, customerWrites, eventually, screenshot, simulator } from './harness.mjs';

export async function contactPanel({ a, b, run }) {
  const page = a.page;
  const from = `1559${run}`;
  const profile = `Profile Name ${run}`;
  const renamed = `Renamed ${run}`;
  const panel = page.locator('[data-testid=contact-panel]');

  await b.page.goto(API + '/'); // the colleague's inbox, for the live rename
  await b.page.waitForSelector('[data-testid=connection][data-state=live]');
  await customerWrites(from, profile, `Hi, it is me ${run}`);
  await page.fill('input[aria-label=Search]', profile);
  await page.locator('[data-testid=conversation-row]', { hasText: profile }).first().click();
  await panel.locator('[data-testid=contact-name]', { hasText: profile }).waitFor();
  if ((await panel.locator('[data-testid=contact-number]').textContent()) !== `+${from}`) throw new Error('the panel shows another number');
  const token = await apiLogin(OWNER);
  const conversationId = new URL(page.url()).pathname.split('/').at(-1); // /c/{id}
  const { contactId } = await (await fetch(`${API}/api/conversations/${conversationId}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const contact = async () => (await fetch(`${API}/api/contacts/${contactId}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const { bsuid } = await contact();
  if (!bsuid || (await panel.locator('[data-testid=contact-bsuid]').textContent()) !== bsuid) throw new Error(`the panel does not show the BSUID ${bsuid}`);
  await b.page.locator('[data-testid=conversation-row]', { hasText: profile }).first().waitFor();

  // The agent renames the customer: thread, panel and the colleague's list show it.
  await panel.locator('[data-testid=edit-contact-name]').click();
  await panel.locator('[data-testid=contact-name-input]').fill(renamed);
  await page.keyboard.press('Enter');
  await panel.locator('[data-testid=contact-name]', { hasText: renamed }).waitFor();
  await page.locator('[data-testid=thread-name]', { hasText: renamed }).waitFor();
  await b.page.locator('[data-testid=conversation-row]', { hasText: renamed }).first().waitFor();

  // An attribute: a name with a space is refused in the panel, with the rule; a good one is stored.
  await panel.locator('[data-testid=attribute-key]').fill('customer tier');
  await panel.locator('[data-testid=attribute-value-input]').fill('gold');
  await panel.locator('[data-testid=add-attribute]').click();
  await panel.locator('[data-testid=attribute-error]', { hasText: 'no spaces' }).waitFor();
  await panel.locator('[data-testid=attribute-key]').fill('plan');
  await panel.locator('[data-testid=add-attribute]').click();
  await panel.locator('[data-testid=attribute][data-key=plan] [data-testid=attribute-value]', { hasText: 'gold' }).waitFor();
  await eventually(async () => (await panel.locator('[data-testid=attribute-error]').count()) === 0, 'the error to go after a good attribute');
  // A label of the conversation, from the panel.
  await panel.locator('input[aria-label="Add a label"]').fill('vip');
  await page.keyboard.press('Enter');
  await panel.locator('[data-testid=panel-label]', { hasText: 'vip' }).waitFor();

  // The customer writes again under another WhatsApp profile name: the agent's name stays, the new one shows beside it.
  const newProfile = `New Profile ${run}`;
  await customerWrites(from, newProfile, `Still me ${run}`);
  await page.locator('[data-testid=message][data-direction=inbound]', { hasText: `Still me ${run}` }).waitFor();
  await panel.locator('[data-testid=contact-profile-name]', { hasText: newProfile }).waitFor();
  await panel.locator('[data-testid=contact-name]', { hasText: renamed }).waitFor();
  await page.locator('[data-testid=thread-name]', { hasText: renamed }).waitFor();
  const stored = await contact();
  if (stored.name !== renamed || stored.profileName !== newProfile || stored.attributes.plan !== 'gold') {
    throw new Error(`the contact is ${JSON.stringify(stored)}`);
  }

  // The customer writes to another of the tenant's numbers: the panel lists that conversation, and opens it.
  const phoneNumberId = `7${run}0002`;
  const accessToken = `e2e-contact-token-${run}`;
  await simulator('/simulator/numbers', { phoneNumberId, accessToken, wabaId: `waba-contact-${run}`, displayPhoneNumber: `1555${run}8` });
  const added = await fetch(`${API}/api/admin/channels`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Sales ${run}`, phoneNumberId, wabaId: `waba-contact-${run}`, accessToken }),
  });
  if (added.status !== 201) throw new Error(`adding a number: ${added.status} ${await added.text()}`);
  const elsewhere = `About my invoice ${run}`;
  await simulator('/simulator/inbound', { phoneNumberId, from, name: newProfile, text: elsewhere });
  const other = panel.locator('[data-testid=contact-conversation]', { hasText: elsewhere });
  await other.waitFor();
  await screenshot(page, 'contact-panel');
  await other.click();
  await page.locator('[data-testid=message][data-direction=inbound]', { hasText: elsewhere }).waitFor();
  await page.locator('[data-testid=thread-name]', { hasText: renamed }).waitFor(); // one customer, one name
  await eventually(async () => (await panel.locator('[data-testid=contact-conversation]', { hasText: `Still me ${run}` }).count()) === 1,
    'the first conversation to be listed as the other one');
  await page.fill('input[aria-label=Search]', '');
  await page.goto(API + '/');
  await page.waitForSelector('[data-testid=connection][data-state=live]');
}
