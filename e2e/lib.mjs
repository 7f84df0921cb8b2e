// Helpers for the end-to-end tests: free ports, the sandbox, a static server for dist/
// (SPA fallback, any sub-path, config.json per test) and headless Chromium.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
export const DIST = path.resolve(ROOT, process.env.PDSCOPE_DIST ?? 'target/release-dist');
export const SANDBOX_BIN = process.env.PD_SANDBOX_BIN ?? path.join(ROOT, 'target/debug/pd-sandbox');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(url, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up in ${ms} ms`);
}

/** Starts pd-sandbox on free ports. Returns { identity, api, stop, args }. */
export async function startSandbox(args = []) {
  const identityPort = await freePort();
  const apiPort = await freePort();
  const all = ['--identity-port', String(identityPort), '--api-port', String(apiPort), ...args];
  const proc = spawn(SANDBOX_BIN, all, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const identity = `http://127.0.0.1:${identityPort}`;
  const api = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor(identity + '/');
  } catch (e) {
    proc.kill();
    throw new Error(`${e.message}\n${output}`);
  }
  return {
    identity,
    api,
    output: () => output,
    stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGINT'); }),
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json',
};

/**
 * Serves DIST under `base` (e.g. "/" or "/tools/pdscope/") on a free port, with
 * `config` (an object, a raw string, or null for 404) as config.json and index.html for
 * every unknown path below the base. Returns { origin, url, stop }.
 */
export async function startStatic({ base = '/', config = null, port } = {}) {
  port = port ?? (await freePort());
  const index = (await readFile(path.join(DIST, 'index.html'), 'utf8')).replace(
    '<base href="/">', `<base href="${base}">`);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end('outside the app');
      return;
    }
    const rel = url.pathname.slice(base.length);
    if (rel === 'config.json') {
      if (config === null) {
        res.writeHead(404).end('no config');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(typeof config === 'string' ? config : JSON.stringify(config));
      }
      return;
    }
    // Top-level files, and wasm-bindgen's snippets/<crate>/<file>.js (the importer's loader).
    const asset = (!rel.includes('/') || /^snippets\/[\w.-]+\/[\w.-]+\.js$/.test(rel)) && !rel.includes('..');
    if (rel && asset && rel !== 'index.html') {
      try {
        const body = await readFile(path.join(DIST, rel));
        res.writeHead(200, { 'content-type': TYPES[path.extname(rel)] ?? 'application/octet-stream' });
        res.end(body);
        return;
      } catch { /* fall through to the SPA fallback */ }
    }
    res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
    res.end(index);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${port}`;
  return { origin, url: origin + base, stop: () => new Promise((r) => server.close(r)) };
}

/** A config.json for the app pointing at `sb`. */
export function sandboxConfig(sb, extra = {}) {
  return {
    client_id: 'pdscope-local',
    scopes: ['read'],
    authorize_url: sb.identity + '/oauth/authorize',
    token_url: sb.identity + '/oauth/token',
    revoke_url: sb.identity + '/oauth/revoke',
    api_url: sb.api,
    issuer: sb.identity + '/global/oauth/anonymous',
    ...extra,
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new page that records console messages and page errors. */
export async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.consoleLines = [];
  page.on('console', (m) => page.consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.consoleLines.push(`pageerror: ${e.message}`));
  return page;
}

/**
 * Starts a sandbox with `args` and the app under `base`, wired to each other, and a page.
 * Records token-endpoint POSTs and dialogs (a hostile name that executed would open one).
 */
export async function setup(browser, { args = [], base = '/', config = {} } = {}) {
  const port = await freePort();
  const redirect = `http://127.0.0.1:${port}${base}callback`;
  const defaults = [];
  if (!args.includes('--services')) defaults.push('--services', '40');
  if (!args.includes('--users')) defaults.push('--users', '30');
  const sb = await startSandbox(['--redirect-uri', redirect, ...defaults, ...args]);
  // `config` may be a function of the sandbox, for fields that name its URLs.
  const extra = typeof config === 'function' ? config(sb) : config;
  const web = await startStatic({ base, port, config: sandboxConfig(sb, extra) });
  const page = await newPage(browser);
  const tokenRequests = [];
  const dialogs = [];
  // "Leave the page?" during an import (beforeunload) is the app's own, counted and accepted;
  // any other dialog (a hostile name that executed would open one) is recorded and dismissed.
  const leaveAsked = [];
  page.on('request', (r) => { if (r.url().startsWith(sb.identity + '/oauth/token') && r.method() === 'POST') tokenRequests.push(r.url()); });
  page.on('dialog', async (d) => {
    if (d.type() === 'beforeunload') { leaveAsked.push(page.url()); await d.accept(); } else { dialogs.push(d.message()); await d.dismiss(); }
  });
  return {
    sb, web, page, tokenRequests, dialogs, leaveAsked,
    async close() { await page.context().close(); await web.stop(); await sb.stop(); },
  };
}

/** Clicks Connect (on `from`, if given), signs in on the sandbox and answers consent. */
export async function signIn(t, { email = 'admin@example.com', decision = 'Submit Consent', from } = {}) {
  const { page, sb, web } = t;
  if (from !== undefined) await page.goto(web.origin + from);
  await page.getByRole('button', { name: 'Connect to PagerDuty' }).click();
  await page.waitForURL((u) => u.href.startsWith(sb.identity));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('sandbox');
  await page.getByRole('button', { name: 'Sign In' }).click();
  let callbackUrl;
  page.on('framenavigated', (f) => { if (f === page.mainFrame() && f.url().includes('/callback?')) callbackUrl ??= f.url(); });
  await page.getByRole('button', { name: decision }).click();
  await page.waitForURL((u) => u.href.startsWith(web.origin));
  return callbackUrl;
}

export async function storedSession(page) {
  const raw = await page.evaluate(() => sessionStorage.getItem('pdscope.session'));
  return raw ? JSON.parse(raw) : null;
}

/** No token anywhere it must not be (SECURITY.md rule 14). */
export async function assertTokenContained(page, session) {
  const secrets = [session.access_token, session.refresh_token, session.id_token].filter(Boolean);
  const url = page.url();
  const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  const cookies = JSON.stringify(await page.context().cookies());
  const title = await page.title();
  const html = await page.content();
  for (const s of secrets) {
    assert.ok(!url.includes(s) && !url.includes(encodeURIComponent(s)), 'token in URL');
    assert.ok(!local.includes(s), 'token in localStorage');
    assert.ok(!cookies.includes(s), 'token in a cookie');
    assert.ok(!title.includes(s), 'token in the title');
    assert.ok(!html.includes(s), 'token in the page');
    assert.ok(!page.consoleLines.some((l) => l.includes(s)), 'token in the console');
  }
}


export const RELAY_BIN = process.env.PD_RELAY_BIN ?? path.join(ROOT, 'target/debug/pd-token-relay');

/** Starts pd-token-relay in front of `identity` for `origin`, the secret in its environment. */
export async function startRelay({ identity, origin, secret, clientId = 'pdscope-local' }) {
  const port = await freePort();
  const proc = spawn(RELAY_BIN, ['--listen', `127.0.0.1:${port}`, '--identity-url', identity,
    '--client-id', clientId, '--allow-origin', origin], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PD_CLIENT_SECRET: secret },
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 10000;
  while (!output.includes('pd-token-relay: http://')) {
    if (Date.now() > end) { proc.kill(); throw new Error(`relay did not start:\n${output}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, output: () => output, stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGINT'); }) };
}

// The Import page, as the import, offboarding, integrations and audit tests drive it.

/** Signs in and opens Import through the header's link; with `kind`, picks it ("Services",
 * "Offboard people"). */
export async function openImport(t, { kind } = {}) {
  await signIn(t, { from: '/' });
  await t.page.getByText('You are signed in.').waitFor();
  await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
  await t.page.getByText('What to do').waitFor();
  if (kind) await t.page.getByLabel(kind).check();
}

/** Gives the Import page a CSV file; the check's summary line for it. */
export async function choose(page, name, text) {
  await page.locator('input[type=file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  // (The last file's summary may still be on show for a moment.)
  const summary = page.locator('.check-summary', { hasText: `${name}: ` });
  await summary.waitFor();
  return (await summary.textContent()).trim();
}

/** Plans against the sandbox; the plan's summary line. */
export async function plan(page) {
  await page.getByRole('button', { name: /^Plan (against PagerDuty|again)$/ }).click();
  await page.locator('.plan-summary').waitFor({ timeout: 60000 });
  return (await page.locator('.plan-summary').textContent()).trim();
}

/** Presses the run's button (`label`) and waits for the run to finish; its progress line. */
export async function runToEnd(page, label, timeout = 240000) {
  await page.getByRole('button', { name: label }).click();
  await page.locator('.run-progress', { hasText: /Finished\.|Cancelled\./ }).waitFor({ timeout });
  return (await page.locator('.run-progress').textContent()).trim();
}

/** Every POST, PUT and DELETE the page sends from now on (not the sign-in's). */
export function writes(page) {
  const seen = [];
  page.on('request', (r) => { if (['POST', 'PUT', 'DELETE'].includes(r.method()) && !r.url().includes('/oauth/')) seen.push(`${r.method()} ${r.url()}`); });
  return seen;
}

/** A download's text. */
export async function readDownload(download) {
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}
