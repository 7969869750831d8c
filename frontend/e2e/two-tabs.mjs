// Two tabs of one agent share one session (localStorage). Refresh tokens work once, so if both tabs refreshed with
// their own copy the server would take the second use as theft and sign the agent out. On a stack of its own whose
// access tokens live a few seconds, the two tabs go through several lifetimes — each lifetime ends their hub
// connections (the server closes them at the token's exp) and needs a refresh — and stay signed in, live, and
// shown every message.
import { AGENT, BASE_PORT, customerWrites, login, newAgentBrowser, startStack } from './harness.mjs';

const LIFETIME_SECONDS = 6;
const LIFETIMES = 4;

export async function twoTabsOfOneAgent(run) {
  const portBase = BASE_PORT + 10;
  const api = `http://127.0.0.1:${portBase}`;
  const simulator = `http://127.0.0.1:${portBase + 4}`;
  const stop = await startStack({ name: 'short', portBase, settings: { Auth__AccessTokenLifetime: `00:00:0${LIFETIME_SECONDS}` } });
  const browser = await newAgentBrowser().catch(async (e) => {
    await stop();
    throw e;
  });
  try {
    const refreshes = [];
    browser.context.on('response', (r) => {
      if (r.url().endsWith('/api/auth/refresh')) refreshes.push(r.status());
    });
    const tab1 = browser.page;
    await login(tab1, AGENT, api);
    const tab2 = await browser.context.newPage(); // same profile: same storage, same Web Locks
    tab2.setDefaultTimeout(15_000);
    await tab2.goto(api + '/');
    await tab2.waitForSelector('[data-testid=connection][data-state=live]');

    const from = `1557${run}`;
    const name = `Two Tabs ${run}`;
    const until = Date.now() + LIFETIMES * LIFETIME_SECONDS * 1000;
    for (let i = 0; Date.now() < until; i++) {
      const text = `Still live ${i} ${run}`;
      await customerWrites(from, name, text, 'text', simulator);
      for (const tab of [tab1, tab2]) {
        await tab.locator('[data-testid=conversation-row]', { hasText: text }).first().waitFor({ timeout: 20_000 });
      }
      await new Promise((r) => setTimeout(r, 1500));
    }

    for (const tab of [tab1, tab2]) {
      await tab.waitForSelector('[data-testid=connection][data-state=live]', { timeout: 20_000 });
      if ((await tab.locator('input[name=password]').count()) !== 0) throw new Error('a tab was signed out');
      // Each lifetime ended the tab's hub connection and it reconnected with a fresh token.
      const sockets = await tab.evaluate(() => window.__sockets.length);
      if (sockets < LIFETIMES - 1) throw new Error(`a tab opened ${sockets} hub connections over ${LIFETIMES} token lifetimes`);
    }
    const failed = refreshes.filter((s) => s !== 200);
    if (failed.length) throw new Error(`refreshes answered ${failed.join(', ')}`);
    if (refreshes.length < LIFETIMES - 1) throw new Error(`only ${refreshes.length} refreshes in ${LIFETIMES} token lifetimes`);
    // The session the tabs share is still the server's live one.
    const one = await tab1.evaluate(() => JSON.parse(localStorage.getItem('inbox.session')));
    const me = await fetch(`${api}/api/me`, { headers: { authorization: `Bearer ${one.accessToken}` } });
    if (me.status !== 200 || (await me.json()).email !== AGENT.email) throw new Error(`GET /api/me with the tabs' token: ${me.status}`);
    console.log(`    ${refreshes.length} refreshes, every one answered 200; both tabs live after ${LIFETIMES} token lifetimes`);
  } finally {
    await browser.context.close().catch(() => {});
    await stop();
  }
}
