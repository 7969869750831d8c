// End-to-end scenarios in real Chromium against the real services and the Cloud API simulator:
//   node e2e/run.mjs [results.json]       (INBOX_E2E_PORT_BASE, INBOX_E2E_DB; INBOX_E2E_EXTERNAL=1 reuses a stack)
import {
  AGENT, API, OWNER, apiLogin, customerWrites, eventually, login, newAgentBrowser, removeProfiles,
  runScenarios, screenshot, simulator, startStack,
} from './harness.mjs';
import { attachFromDisk } from './attachments.mjs';
import { presenceOfAgents } from './presence.mjs';
import { contactPanel } from './contact.mjs';
import { templatesFromWhatsApp } from './templates.mjs';
import { twoTabsOfOneAgent } from './two-tabs.mjs';

const run = Date.now().toString().slice(-7);
const customer = { from: `1555${run}`, name: `E2E Customer ${run}` };
const texts = (page) => page.$$eval('[data-testid=messages] [data-testid=message-text]', (els) => els.map((e) => e.textContent));

async function openConversation(page, previewText) {
  const row = page.locator('[data-testid=conversation-row]', { hasText: previewText });
  await row.first().waitFor();
  await row.first().click();
  await page.waitForSelector('[data-testid=thread]');
}

const stop = await startStack();
let a;
let b;
let summary;
try {
  a = await newAgentBrowser(); // agent A: agent@demo
  b = await newAgentBrowser(); // agent B: owner@demo (also an admin)

  summary = await runScenarios([
    ['two agents sign in and see the live badge', async () => {
      await a.page.goto(API + '/');
      await a.page.waitForSelector('input[name=email]');
      await screenshot(a.page, 'login');
      await login(a.page, AGENT);
      await login(b.page, OWNER);
    }],

    ['an inbound message appears in both agents\' lists and threads without a reload', async () => {
      const first = `Hello from e2e ${run}`;
      await customerWrites(customer.from, customer.name, first);
      for (const { page } of [a, b]) {
        await page.locator('[data-testid=conversation-row]', { hasText: first }).first().waitFor();
      }
      // B has not opened it: its row counts it unread.
      await b.page.locator('[data-testid=conversation-row]', { hasText: first }).locator('[data-testid=unread]').waitFor();
      for (const { page } of [a, b]) {
        await openConversation(page, first);
        await page.locator('[data-testid=message][data-direction=inbound]', { hasText: first }).waitFor();
      }
      // Still the page loaded at sign-in: nothing was reloaded.
      const second = `Are you there? ${run}`;
      await customerWrites(customer.from, customer.name, second);
      for (const { page } of [a, b]) await page.locator('[data-testid=message]', { hasText: second }).waitFor();
    }],

    ['B sees A online in the assignee picker, A\'s header says online, idle A is away then back; A typing shows the customer "typing…"',
      () => presenceOfAgents({ a, b })],

    ['agent A types and agent B sees "typing…"', async () => {
      await a.page.click('[data-testid=composer]');
      await a.page.keyboard.type('Let me check', { delay: 40 });
      await b.page.locator('[data-testid=thread-typing]', { hasText: 'typing…' }).waitFor();
      await b.page.locator('[data-testid=row-typing]').first().waitFor();
      await screenshot(b.page, 'typing');
    }],

    ['agent A replies (Enter sends) and the ticks move to read', async () => {
      const reply = `Checking your order now ${run}`;
      await a.page.fill('[data-testid=composer]', reply);
      await a.page.keyboard.press('Enter');
      const mine = a.page.locator('[data-testid=message][data-direction=outbound]', { hasText: reply });
      await mine.waitFor();
      // The simulator sends sent → delivered → read webhooks; each reaches both agents.
      await mine.and(a.page.locator('[data-status=read]')).waitFor({ timeout: 20_000 });
      await a.page.locator('[data-testid=message][data-status=read] .tick-blue').last().waitFor();
      await b.page.locator('[data-testid=message][data-status=read]', { hasText: reply }).waitFor({ timeout: 20_000 });
      await eventually(async () => (await b.page.locator('[data-testid=thread-typing]').textContent()) === '', 'typing to stop');
      if ((await a.page.inputValue('[data-testid=composer]')) !== '') throw new Error('the composer was not cleared');
      await screenshot(a.page, 'inbox');
    }],

    ['a dropped network and its recovery lose nothing (in order, once)', async () => {
      await b.context.setOffline(true);
      await b.page.evaluate(() => window.__sockets.forEach((s) => s.close(4000, 'e2e: network dropped')));
      await b.page.waitForSelector('[data-testid=connection]:not([data-state=live])');
      await screenshot(b.page, 'offline');
      const missed = [1, 2, 3].map((i) => `While you were away ${i} ${run}`);
      for (const text of missed) await customerWrites(customer.from, customer.name, text);
      // A answers having seen them: a reply based on an older message is held back (see the next scenario).
      for (const text of missed) await a.page.locator('[data-testid=message]', { hasText: text }).waitFor();
      const answer = `Reply sent while B was offline ${run}`;
      await a.page.fill('[data-testid=composer]', answer);
      await a.page.keyboard.press('Enter');
      // A stayed online: once it shows them all, its thread is the reference (webhooks may arrive in any order).
      for (const text of [...missed, answer]) await a.page.locator('[data-testid=message]', { hasText: text }).waitFor();
      const expected = await texts(a.page);
      await b.context.setOffline(false);
      await b.page.waitForSelector('[data-testid=connection][data-state=live]', { timeout: 30_000 });
      await b.page.locator('[data-testid=message]', { hasText: answer }).waitFor({ timeout: 20_000 });
      const seen = await eventually(async () => {
        const t = await texts(b.page);
        return t.length >= expected.length ? t : null;
      }, 'B to show every message');
      const tail = (list) => list.slice(list.indexOf(`Hello from e2e ${run}`));
      if (JSON.stringify(tail(seen)) !== JSON.stringify(tail(expected))) {
        throw new Error(`B shows ${JSON.stringify(tail(seen))}\nbut A shows ${JSON.stringify(tail(expected))}`);
      }
      for (const text of [...missed, answer]) {
        if (seen.filter((t) => t === text).length !== 1) throw new Error(`"${text}" shown ${seen.filter((t) => t === text).length} times`);
      }
      // The list caught up too: the row's preview is the newest message.
      await b.page.locator('[data-testid=conversation-row]', { hasText: answer }).first().waitFor();
    }],

    ['a reply based on a thread that fell behind is held: the agent sees what the customer wrote, then sends anyway', async () => {
      // B's live connection is lost and kept from coming back, so B's thread misses what comes next.
      await b.page.route('**/hubs/inbox/**', (route) => route.abort());
      try {
        await b.page.evaluate(() => window.__sockets.forEach((s) => s.close(4000, 'e2e: live connection lost')));
        await b.page.waitForSelector('[data-testid=connection]:not([data-state=live])');
        const unseen = `Actually, please cancel my order ${run}`;
        await customerWrites(customer.from, customer.name, unseen);
        await a.page.locator('[data-testid=message]', { hasText: unseen }).waitFor(); // stored (A is live)
        if ((await b.page.locator('[data-testid=message]', { hasText: unseen }).count()) !== 0) throw new Error('B was not behind');
        const stale = `Great, your order ships today ${run}`;
        await b.page.fill('[data-testid=composer]', stale);
        await b.page.keyboard.press('Enter');
        // The API refused it (409 not-latest-message): B is shown the customer's message, and nothing was sent.
        const notice = b.page.locator('[data-testid=collision]');
        await notice.locator('[data-testid=collision-message]', { hasText: unseen }).waitFor();
        if (!(await notice.textContent()).includes('The customer wrote')) throw new Error(`the notice says "${await notice.textContent()}"`);
        await b.page.locator('[data-testid=message][data-direction=inbound]', { hasText: unseen }).waitFor();
        if ((await b.page.inputValue('[data-testid=composer]')) !== stale) throw new Error('the held reply left the composer');
        await screenshot(b.page, 'collision');
        // "Edit my reply" keeps the text to change; B decides to send it anyway.
        await b.page.click('[data-testid=edit-reply]');
        if ((await notice.count()) !== 0) throw new Error('the notice stayed after "Edit my reply"');
        await b.page.keyboard.press('Enter'); // now based on the message B has seen: sent
        await b.page.locator('[data-testid=message][data-direction=outbound]', { hasText: stale }).waitFor();
        await a.page.locator('[data-testid=message]', { hasText: stale }).waitFor();
        if ((await a.page.locator('[data-testid=message]', { hasText: stale }).count()) !== 1) throw new Error('the reply was sent twice');
        // Sent anyway from the notice: a second stale reply, refused, then confirmed with one click. (WhatsApp stamps a
        // customer's message to the second: written in the same second as B's reply, it would count as older.)
        await b.page.waitForTimeout(1100);
        const unseen2 = `And change the address ${run}`;
        await customerWrites(customer.from, customer.name, unseen2);
        await a.page.locator('[data-testid=message]', { hasText: unseen2 }).waitFor();
        const second = `Noted, we will call you ${run}`;
        await b.page.fill('[data-testid=composer]', second);
        await b.page.keyboard.press('Enter');
        await notice.locator('[data-testid=collision-message]', { hasText: unseen2 }).waitFor();
        await b.page.click('[data-testid=send-anyway]');
        await a.page.locator('[data-testid=message]', { hasText: second }).waitFor();
        if ((await notice.count()) !== 0) throw new Error('the notice stayed after "Send anyway"');
        if ((await b.page.inputValue('[data-testid=composer]')) !== '') throw new Error('the composer was not cleared');
      } finally {
        await b.page.unroute('**/hubs/inbox/**');
      }
      await b.page.waitForSelector('[data-testid=connection][data-state=live]', { timeout: 30_000 });
    }],

    ['a private note stays apart, canned responses come on "/", a reply quotes its message, a customer\'s photo shows inline', async () => {
      const note = `Internal: VIP customer ${run}`;
      await a.page.click('button.tab:has-text("Private note")');
      await a.page.fill('[data-testid=composer]', note);
      await a.page.keyboard.press('Enter');
      for (const { page } of [a, b]) {
        const bubble = page.locator('[data-testid=message]', { hasText: note });
        await bubble.waitFor();
        if (!(await bubble.getAttribute('class')).includes('note')) throw new Error('the note is not styled as a note');
        if ((await bubble.locator('[data-testid=tick]').count()) !== 0) throw new Error('a note shows ticks: it is never sent');
      }
      await a.page.click('button.tab:has-text("Reply")');
      // A canned response created just now (by the owner, for the whole team) comes up on "/".
      const canned = `Thanks for waiting, we are on it ${run}`;
      const created = await fetch(`${API}/api/canned-responses`, {
        method: 'POST', headers: { authorization: `Bearer ${await apiLogin(OWNER)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ shortCode: `wait${run}`, content: canned, scope: 'tenant' }),
      });
      if (created.status !== 201) throw new Error(`creating a canned response: ${created.status}`);
      await a.page.fill('[data-testid=composer]', `/wait${run}`);
      await a.page.locator('.canned li', { hasText: canned }).waitFor();
      await a.page.keyboard.press('Enter'); // picks it
      if ((await a.page.inputValue('[data-testid=composer]')) !== canned) throw new Error('the canned response was not inserted');
      await a.page.keyboard.press('Enter'); // sends it
      await a.page.locator('[data-testid=message][data-direction=outbound]', { hasText: canned }).waitFor();
      const quoted = `Hello from e2e ${run}`;
      await a.page.locator('[data-testid=message]', { hasText: quoted }).first().locator('.reply-btn').click();
      const answer = `About your first message ${run}`;
      await a.page.fill('[data-testid=composer]', answer);
      await a.page.keyboard.press('Enter');
      await a.page.locator('[data-testid=message]', { hasText: answer }).locator('.quote', { hasText: quoted }).waitFor();
      await customerWrites(customer.from, customer.name, undefined, 'image');
      // Workers fetch the photo through the Graph API; message:updated makes it ready; the page loads it with the token.
      await a.page.locator('[data-testid=message][data-direction=inbound] img.media-img[src^="blob:"]').last().waitFor({ timeout: 30_000 });
      await b.page.locator('[data-testid=message][data-direction=inbound] img.media-img[src^="blob:"]').last().waitFor({ timeout: 30_000 });
      await screenshot(a.page, 'thread');
    }],

    ['a send WhatsApp refuses shows failed, with its code and reason', async () => {
      await simulator('/simulator/failures', { code: 131026, count: 1 }); // accepted, then failed by webhook
      const doomed = `This one cannot be delivered ${run}`;
      await a.page.fill('[data-testid=composer]', doomed);
      await a.page.keyboard.press('Enter');
      const bubble = a.page.locator('[data-testid=message][data-status=failed]', { hasText: doomed });
      await bubble.waitFor({ timeout: 20_000 });
      const reason = await bubble.locator('.fail-reason').textContent();
      if (!reason.includes('131026')) throw new Error(`the failure shows "${reason}"`);
      await b.page.locator('[data-testid=message][data-status=failed]', { hasText: doomed }).waitFor();
    }],

    ['files from disk — picked (with upload progress), pasted and dropped — are checked, shown at once and sent by media id',
      () => attachFromDisk({ a, b, customer: customer.from, run })],

    ['after 24 hours without a customer message the composer offers templates only', async () => {
      const from = `1556${run}`;
      const name = `Yesterday Customer ${run}`;
      const written = Math.floor(Date.now() / 1000) - 25 * 3600;
      await simulator('/simulator/inject?wait=true', {
        object: 'whatsapp_business_account',
        entry: [{ id: '200000000000001', changes: [{ field: 'messages', value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550001111', phone_number_id: '100000000000001' },
          contacts: [{ profile: { name }, wa_id: from }],
          messages: [{ from, id: `wamid.e2e.yesterday.${run}`, timestamp: String(written), type: 'text', text: { body: `Question from yesterday ${run}` } }],
        } }] }],
      });
      await a.page.fill('input[aria-label=Search]', name);
      await openConversation(a.page, name);
      await a.page.locator('[data-testid=window]', { hasText: 'Window closed' }).waitFor();
      const picker = a.page.locator('[data-testid=template-picker]');
      await picker.waitFor();
      if ((await a.page.locator('[data-testid=composer]').count()) !== 0) throw new Error('free text is offered after the window closed');
      // The demo number's templates, read from its WhatsApp Business Account (the simulator's samples).
      await picker.locator('[data-testid=template-option][data-name=order_update]').click();
      await picker.locator('input[aria-label="Template parameter {{1}}"]').fill('Yara');
      await picker.locator('input[aria-label="Template parameter {{2}}"]').fill(`#${run}`);
      await picker.locator('button', { hasText: 'Send template' }).click();
      await a.page.locator('[data-testid=message][data-direction=outbound]', { hasText: `Hi Yara, your order #${run} is on its way.` }).waitFor();
      await a.page.locator('[data-testid=message][data-direction=outbound][data-status=read]').first().waitFor({ timeout: 20_000 });
      await screenshot(a.page, 'template');
      await a.page.fill('input[aria-label=Search]', '');
    }],

    ['a number added in the admin brings its WhatsApp templates: approved ones offered with their parts, the others disabled with WhatsApp\'s reason, a pause by Meta followed, one with an image header and a link button sent',
      () => templatesFromWhatsApp({ a, b, run })],

    ['the contact panel: an agent renames the customer, adds an attribute and a label; the customer writes again under another profile name and the agent\'s name stays; their conversation on another number opens from the panel',
      () => contactPanel({ a, b, run })],

    ['with the tab hidden a customer message raises a notification that opens its conversation; a muted one does not', async () => {
      const page = a.page;
      await a.context.grantPermissions(['notifications'], { origin: API });
      await page.click('[data-testid=enable-notifications]'); // asked from a visible control
      await page.locator('[data-testid=notification-sound]').waitFor();
      // Record what the page raises, and make it hidden as a background tab is.
      await page.evaluate(() => {
        const Native = window.Notification;
        window.__notifications = [];
        window.Notification = class extends Native {
          constructor(title, options) {
            super(title, options);
            window.__notifications.push(this);
          }
        };
        Object.defineProperty(window.Notification, 'permission', { get: () => Native.permission });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      });
      const from = `1557${run}`;
      const name = `Night Owl ${run}`;
      const text = `Are you open tomorrow? ${run}`;
      await customerWrites(from, name, text);
      const raised = await eventually(() => page.evaluate((t) => window.__notifications.find((n) => n.body === t)
        && window.__notifications.filter((n) => n.body === t).map((n) => ({ title: n.title, tag: n.tag })), text), 'a notification');
      if (raised.length !== 1 || raised[0].title !== name) throw new Error(`raised ${JSON.stringify(raised)}`);
      if (!/^\(\d+\) Inbox$/.test(await page.title())) throw new Error(`the title is "${await page.title()}"`);
      // A click on it opens the conversation.
      await page.evaluate((t) => window.__notifications.find((n) => n.body === t).onclick(), text);
      await page.locator('[data-testid=thread-name]', { hasText: name }).waitFor();
      await page.locator('[data-testid=message][data-direction=inbound]', { hasText: text }).waitFor();
      // Muted (for this agent, on the server): the next message is shown but announces nothing.
      await page.click('[data-testid=mute]');
      await page.locator('[data-testid=mute][aria-pressed=true]').waitFor();
      const quiet = `Never mind, found it ${run}`;
      await customerWrites(from, name, quiet);
      await page.locator('[data-testid=message]', { hasText: quiet }).waitFor();
      await page.waitForTimeout(500);
      if (await page.evaluate((t) => window.__notifications.some((n) => n.body === t), quiet)) throw new Error('a muted conversation notified');
      await page.reload();
      await page.locator('[data-testid=mute][aria-pressed=true]').waitFor(); // kept by the server
      await page.click('[data-testid=mute]');
      await page.locator('[data-testid=mute][aria-pressed=false]').waitFor();
      await page.goto(API + '/');
    }],

    ['an admin invites an agent who accepts and signs in', async () => {
      const token = await apiLogin(OWNER);
      const seats = await fetch(`${API}/api/admin/seats`, { headers: { authorization: `Bearer ${token}` } });
      if (!seats.ok) throw new Error(`GET /api/admin/seats: ${seats.status}`);
      if ((await seats.json()).free < 1) {
        await fetch(`${API}/api/admin/seats`, {
          method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ limit: 100, countPendingInvites: true }),
        });
      }
      const email = `invited-${run}@e2e.inbox.test`;
      await b.page.goto(API + '/admin');
      await b.page.locator('[data-testid=seats]').waitFor();
      await b.page.fill('input[aria-label="Invite email"]', email);
      await b.page.selectOption('select[aria-label="Invite role"]', 'agent');
      await b.page.click('form.inline-form button[type=submit]');
      const link = (await b.page.locator('[data-testid=invite-link] code').textContent()).trim();
      await screenshot(b.page, 'admin');

      const c = await newAgentBrowser();
      try {
        await c.page.goto(link);
        await c.page.fill('input[name=name]', `Invited ${run}`);
        await c.page.fill('input[name=password]', 'invited-password-1');
        await c.page.click('button[type=submit]');
        await c.page.waitForSelector('[data-testid=connection][data-state=live]');
        if ((await c.page.textContent('[data-testid=me]')) !== `Invited ${run}`) throw new Error('not signed in as the invitee');
        await c.page.click('text=Sign out');
        await login(c.page, { email, password: 'invited-password-1' });
        // The invitation is used up.
        await c.page.goto(link);
        await c.page.locator('text=already used').waitFor();
      } finally {
        await c.context.close();
      }
      await b.page.goto(API + '/admin');
      await b.page.locator('[data-testid=member-row]', { hasText: email }).waitFor();
      // The other admin pages: the demo number, and the audit log recording the invitation's life.
      await b.page.click('button.tab:has-text("WhatsApp numbers")');
      await b.page.locator('td', { hasText: '100000000000001' }).waitFor();
      await b.page.click('button.tab:has-text("Audit log")');
      await b.page.locator('td', { hasText: 'invite.accepted' }).first().waitFor();
      await b.page.locator('td', { hasText: 'invite.created' }).first().waitFor();
      await screenshot(b.page, 'audit');
    }],

    ['10,000 conversations stay smooth: only the rows in view are in the page', async () => {
      const page = a.page;
      await page.goto(API + '/');
      await page.waitForSelector('[data-testid=connection][data-state=live]');
      await page.locator('[data-testid=conversation-row]').first().waitFor();
      // 10,000 rows older than the real ones, straight into the live store (as 200 pages of the API would).
      await page.evaluate(() => {
        const live = window.__inboxLive.getState();
        const base = Object.values(live.conversations)[0];
        const start = Date.UTC(2020, 0, 1);
        live.mergeConversations(Array.from({ length: 10_000 }, (_, i) => ({
          ...base, id: `synthetic-${i}`, contactName: `Synthetic ${i}`, status: 'open', labels: [],
          lastActivityAt: new Date(start + i * 60_000).toISOString(), lastMessageAt: new Date(start + i * 60_000).toISOString(),
        })));
      });
      const inPage = await page.locator('[data-testid=conversation-row]').count();
      if (inPage > 40) throw new Error(`${inPage} rows in the page: the list is not windowed`);
      const msPerFrame = await page.evaluate(async () => {
        const list = document.querySelector('.rows');
        const started = performance.now();
        for (let i = 0; i < 60; i++) {
          list.scrollTop += 4000;
          await new Promise((r) => requestAnimationFrame(r));
        }
        return (performance.now() - started) / 60;
      });
      console.log(`    scrolling 10,000 rows: ${msPerFrame.toFixed(1)} ms per frame`);
      if (msPerFrame > 100) throw new Error(`scrolling takes ${msPerFrame.toFixed(0)} ms per frame`);
      await page.evaluate(() => { const l = document.querySelector('.rows'); l.scrollTop = l.scrollHeight; });
      await page.locator('[data-testid=conversation-row]', { hasText: 'Synthetic 0' }).waitFor();
      if ((await page.locator('[data-testid=conversation-row]').count()) > 40) throw new Error('the list grew while scrolling');
    }],

    ['two tabs of one agent stay signed in and live across several access-token lifetimes (a stack of its own)',
      () => twoTabsOfOneAgent(run)],
  ], process.argv[2]);
} finally {
  await a?.context.close().catch(() => {});
  await b?.context.close().catch(() => {});
  removeProfiles();
  await stop();
}
process.exit(summary && summary.failed === 0 && summary.passed > 0 ? 0 : 1);
