// Presence and the customer's typing indicator in real Chromium. Both agents have the same conversation open.
import { API, OWNER, SIMULATOR, apiLogin, eventually, screenshot } from './harness.mjs';

const DEMO_NUMBER = '100000000000001';

async function typingIndicators() {
  const report = await (await fetch(`${SIMULATOR}/simulator/report`)).json();
  return report.readMarks.filter((r) => r.phoneNumberId === DEMO_NUMBER && r.typingIndicator);
}

async function settings(token, body) {
  const r = await fetch(`${API}/api/settings`, {
    method: body ? 'PUT' : 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${body ? 'PUT' : 'GET'} /api/settings: ${r.status}`);
  return r.json();
}

/**
 * B sees A online in the assignee picker and A's header says online; A idle for 10 minutes (what A's page tells the
 * hub after a reconnect) shows "away · idle 10 min" to B, and A's first move brings them back online; with read
 * receipts on, A typing a reply shows the customer "typing…" (the simulator records the read mark with the indicator).
 */
export async function presenceOfAgents({ a, b }) {
  const aName = (await a.page.textContent('[data-testid=me]')).trim();
  await a.page.locator('[data-testid=my-presence][data-state=online]', { hasText: 'Online' }).waitFor();
  const option = b.page.locator('[data-testid=assignee-option]', { hasText: aName });
  await option.and(b.page.locator('[data-state=online]')).waitFor({ state: 'attached' });
  const optionText = await option.textContent();
  if (optionText !== `${aName} · Online`) throw new Error(`B's picker shows "${optionText}"`);
  // B assigns the conversation to A: the picker shows A's presence.
  await b.page.selectOption('[data-testid=assignee]', await option.getAttribute('value'));
  const shown = () => b.page.$eval('[data-testid=assignee]', (s) => s.selectedOptions[0]?.textContent);
  await eventually(async () => (await shown()) === `${aName} · Online`, 'the picker to show A assigned and online');
  await screenshot(b.page, 'presence');

  // A has done nothing for 10 minutes (as A's page reports after a reconnect): B sees A away, idle 10 min.
  await a.page.evaluate(() => window.__inboxIdleFor(600));
  await option.and(b.page.locator('[data-state=away]')).waitFor({ state: 'attached' });
  if (!/· Away · idle 10 min$/.test(await option.textContent())) throw new Error(`B's picker shows "${await option.textContent()}"`);
  await a.page.locator('[data-testid=my-presence][data-state=away]', { hasText: 'idle 10 min' }).waitFor();
  await screenshot(b.page, 'presence-away');
  // A moves the mouse: a heartbeat, online again.
  await a.page.mouse.move(300, 300);
  await a.page.mouse.move(320, 310);
  await option.and(b.page.locator('[data-state=online]')).waitFor({ state: 'attached' });
  await a.page.locator('[data-testid=my-presence][data-state=online]').waitFor();
  await b.page.selectOption('[data-testid=assignee]', '');

  // The customer's typing indicator, with the tenant's read receipts on for a moment.
  const token = await apiLogin(OWNER);
  const before = await settings(token);
  const shownBefore = (await typingIndicators()).length;
  await settings(token, { ...before, readReceipts: true });
  try {
    await a.page.click('[data-testid=composer]');
    await a.page.keyboard.type('One moment', { delay: 40 });
    await eventually(async () => (await typingIndicators()).length > shownBefore, 'the customer\'s typing indicator');
    await a.page.fill('[data-testid=composer]', '');
  } finally {
    await settings(token, before);
  }
}
