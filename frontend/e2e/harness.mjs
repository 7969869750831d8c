// The e2e harness: the product's own stack (`./inbox up` on its own ports and database), real Chromium through
// playwright-core (Debian's /usr/bin/chromium, never a downloaded browser), and a tiny scenario runner whose
// summary ./inbox test adds to its count.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BASE_PORT = Number(process.env.INBOX_E2E_PORT_BASE ?? 17080);
export const API = `http://127.0.0.1:${BASE_PORT}`;
export const SIMULATOR = `http://127.0.0.1:${BASE_PORT + 4}`;
export const SCREENSHOTS = process.env.INBOX_E2E_SCREENSHOTS ?? join(ROOT, 'docs/screenshots');

export const OWNER = { email: 'owner@demo.inbox.test', password: 'demo-owner-password' };
export const AGENT = { email: 'agent@demo.inbox.test', password: 'demo-agent-password' };

function run(command, args, env) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${command} ${args.join(' ')} exited ${code}\n${out.slice(-3000)}`))));
  });
}

/**
 * Starts the whole product on the e2e port base and database (unless INBOX_E2E_EXTERNAL=1: already running).
 * A scenario that needs other settings starts a stack of its own: another `name` (a suffix of the database and
 * vhost), port base and settings (environment, e.g. Auth__AccessTokenLifetime).
 */
export async function startStack({ name = '', portBase = BASE_PORT, settings = {} } = {}) {
  if (process.env.INBOX_E2E_EXTERNAL === '1' && !name) return async () => {};
  const state = mkdtempSync(join(tmpdir(), 'inbox-e2e-'));
  const env = {
    ...settings,
    INBOX_STATE: state,
    INBOX_PORT_BASE: String(portBase),
    INBOX_DB: (process.env.INBOX_E2E_DB ?? 'inbox_e2e') + (name && `_${name}`),
    // its own: events and commands stay in this stack
    INBOX_VHOST: (process.env.INBOX_E2E_VHOST ?? 'inbox-e2e') + (name && `-${name}`),
    INBOX_DEMO_RATE: '0', // no background customers: every message in a scenario is the scenario's own
  };
  if (!process.env.INBOX_SECRETS) env.INBOX_SECRETS = join(ROOT, '.inbox/secrets.env');
  try {
    await run(join(ROOT, 'inbox'), ['up'], env);
  } catch (e) {
    await run(join(ROOT, 'inbox'), ['down'], env).catch(() => {});
    throw e;
  }
  return async () => {
    await run(join(ROOT, 'inbox'), ['down'], env).catch((e) => console.error(e.message));
    rmSync(state, { recursive: true, force: true });
  };
}

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const profiles = [];

/** A browser of its own (fresh profile): one agent. Remembers its websockets so a test can cut them. */
export async function newAgentBrowser() {
  const dir = mkdtempSync(join(tmpdir(), 'inbox-chromium-'));
  profiles.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: flags,
    viewport: { width: 1280, height: 800 },
  });
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export function removeProfiles() {
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
}

export async function login(page, who, api = API) {
  await page.goto(api + '/');
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=connection][data-state=live]');
}

export async function apiLogin(who) {
  const r = await fetch(`${API}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (!r.ok) throw new Error(`login ${r.status}`);
  return (await r.json()).accessToken;
}

/** A customer writes (through the simulator, signed webhooks like Meta's). */
export async function customerWrites(from, name, text, type = 'text', simulatorUrl = SIMULATOR) {
  const r = await fetch(`${simulatorUrl}/simulator/inbound`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, name, text, type }),
  });
  if (!r.ok) throw new Error(`simulator inbound ${r.status}: ${await r.text()}`);
}

/** A call to the simulator's control API (JSON in and out). */
export async function simulator(path, body) {
  const r = await fetch(`${SIMULATOR}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`simulator ${path}: ${r.status} ${await r.text()}`);
  return r.json().catch(() => null);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export async function eventually(check, what, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class Skip extends Error {}

/** Runs scenarios in order; prints each and a summary, writes results JSON for ./inbox test. */
export async function runScenarios(scenarios, resultsFile) {
  const results = [];
  for (const [name, fn] of scenarios) {
    const started = Date.now();
    try {
      await fn();
      results.push({ name, status: 'passed', ms: Date.now() - started });
      console.log(`  Passed e2e: ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      if (e instanceof Skip) {
        results.push({ name, status: 'skipped', reason: e.message });
        console.log(`  Skipped e2e: ${name} — ${e.message}`);
      } else {
        results.push({ name, status: 'failed', error: String(e?.stack ?? e) });
        console.log(`  Failed e2e: ${name}\n    ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n    ')}`);
      }
    }
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  const summary = { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), results };
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify(summary, null, 2));
  console.log(`e2e: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  return summary;
}
