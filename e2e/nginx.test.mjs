// The release build on Debian's nginx under /pdscope/, with the documented configuration and
// a strict CSP: sign in through the sub-path, load services, and no CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, startSandbox, sandboxConfig, freePort, signIn, ROOT, DIST } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function startNginx(sb, port) {
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pdscope-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user
  const www = path.join(dir, 'www');
  const run = path.join(dir, 'run');
  mkdirSync(run, { recursive: true });
  cpSync(DIST, path.join(www, 'pdscope'), { recursive: true });
  writeFileSync(path.join(www, 'pdscope', 'config.json'), JSON.stringify(sandboxConfig(sb)));
  const csp = execFileSync('node', [path.join(ROOT, 'scripts/harden.mjs'), path.join(www, 'pdscope'), '--base', '/pdscope/']).toString().trim();
  const fill = (name) => readFileSync(path.join(ROOT, 'deploy', name), 'utf8')
    .replaceAll('@LISTEN@', `127.0.0.1:${port}`).replaceAll('@WWW@', www).replaceAll('@RUN@', run).replaceAll('@CSP@', csp);
  writeFileSync(path.join(run, 'nginx.conf'), fill('nginx.conf.template'));
  writeFileSync(path.join(run, 'security-headers.conf'), fill('security-headers.conf.template'));
  const proc = spawn('/usr/sbin/nginx', ['-c', path.join(run, 'nginx.conf'), '-p', run], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (d) => (out += d));
  proc.stdout.on('data', (d) => (out += d));
  proc.on('exit', (code) => { out += `\n(nginx exited with ${code})`; });
  const end = Date.now() + 10000;
  for (;;) {
    try { await fetch(origin + '/pdscope/'); break; } catch {
      if (Date.now() > end) { proc.kill(); throw new Error(`nginx did not start: ${out}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { origin, csp, stop: () => new Promise((r) => { proc.once('exit', () => { rmSync(dir, { recursive: true, force: true }); r(); }); proc.kill('SIGQUIT'); }) };
}

test('nginx puts the security headers on every answer: redirect, 404s, page, config, assets', async () => {
  const port = await freePort();
  const sb = await startSandbox(['--services', '5', '--users', '2', '--redirect-uri', `http://127.0.0.1:${port}/pdscope/callback`]);
  const web = await startNginx(sb, port);
  try {
    const html = await (await fetch(web.origin + '/pdscope/')).text();
    const asset = html.match(/(?:href|src)="\.\/([^"]+-[0-9a-f]{8,16}(?:_bg)?\.[a-z]+)"/)[1];
    const answers = [
      ['/pdscope', 301], // the redirect to the sub-path with a slash
      ['/pdscope/missing-0123456789abcdef.js', 404], // a hashed asset that is not there
      ['/elsewhere', 404], // outside every location
      ['/pdscope/', 200],
      ['/pdscope/index.html', 200],
      ['/pdscope/services', 200], // an app route answered with index.html
      ['/pdscope/config.json', 200],
      [`/pdscope/${asset}`, 200],
    ];
    for (const [p, status] of answers) {
      const r = await fetch(web.origin + p, { redirect: 'manual' });
      await r.arrayBuffer();
      assert.equal(r.status, status, p);
      assert.equal(r.headers.get('content-security-policy'), web.csp, `${p}: Content-Security-Policy`);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', `${p}: X-Frame-Options`);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${p}: X-Content-Type-Options`);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', `${p}: Referrer-Policy`);
      if (status === 301) assert.equal(new URL(r.headers.get('location'), web.origin).pathname, '/pdscope/');
      // Only a hashed asset that exists is cached for a year; a missing one is not cached.
      if (p === `/pdscope/${asset}`) assert.match(r.headers.get('cache-control') ?? '', /max-age=31536000/);
      if (p.startsWith('/pdscope/missing-')) assert.doesNotMatch(r.headers.get('cache-control') ?? '', /max-age=31536000/, p);
    }
  } finally {
    await web.stop(); await sb.stop();
  }
});

test('the release on nginx under /pdscope/: headers, sign-in, services, no CSP violation', async () => {
  const port = await freePort();
  const sb = await startSandbox(['--services', '60', '--users', '10', '--redirect-uri', `http://127.0.0.1:${port}/pdscope/callback`]);
  const web = await startNginx(sb, port);
  const page = await newPage(browser);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  try {
    // Headers as documented.
    const index = await fetch(web.origin + '/pdscope/services');
    assert.equal(index.status, 200, 'app routes fall back to index.html');
    assert.equal(index.headers.get('content-security-policy'), web.csp);
    assert.match(web.csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(web.csp, /unsafe-inline/);
    const connect = web.csp.split('; ').find((d) => d.startsWith('connect-src ')).split(' ').slice(1).sort();
    assert.deepEqual(connect, ["'self'", sb.api, sb.identity].sort(), 'connect-src names exactly the identity and API origins');
    assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    assert.match(html, /<base href="\/pdscope\/">/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy"/);
    const wasmName = html.match(/href="\.\/([^"]+_bg\.wasm)"/)[1];
    const wasm = await fetch(`${web.origin}/pdscope/${wasmName}`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.match(wasm.headers.get('cache-control'), /max-age=31536000, immutable/);
    assert.equal(wasm.headers.get('content-security-policy'), web.csp);
    // Every hashed asset the page links (script, wasm, CSS, icon) is cached for a year.
    const hashed = [...html.matchAll(/(?:href|src)="\.\/([^"]+-[0-9a-f]{8,16}(?:_bg)?\.[a-z]+)"/g)];
    assert.ok(hashed.length >= 5, `script, boot script, wasm, CSS and icon: ${hashed.map((m) => m[1])}`);
    for (const name of hashed) {
      const r = await fetch(`${web.origin}/pdscope/${name[1]}`);
      assert.equal(r.status, 200, name[1]);
      assert.match(r.headers.get('cache-control'), /max-age=31536000, immutable/, name[1]);
    }
    const icon = html.match(/rel="icon" href="\.\/([^"]+)"/)[1];
    assert.equal((await fetch(`${web.origin}/pdscope/${icon}`)).headers.get('content-type'), 'image/svg+xml');
    const config = await fetch(web.origin + '/pdscope/config.json');
    assert.equal(config.headers.get('cache-control'), 'no-store');

    // Sign in through the sub-path and load services.
    const t = { sb, web: { origin: web.origin }, page };
    await signIn(t, { from: '/pdscope/services' });
    await page.waitForURL(web.origin + '/pdscope/services');
    await page.getByText('60 services', { exact: true }).waitFor({ timeout: 30000 });
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByText('10 users', { exact: true }).waitFor({ timeout: 30000 });
    // The on-demand module (Import, token inspector), under the same CSP; not cached a year
    // (its name carries no hash).
    await page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    await page.getByRole('button', { name: 'Download users template' }).waitFor({ timeout: 30000 });
    await page.getByText('Paste CSV text instead').click();
    await page.getByLabel('CSV text').fill('name,email\nAda,ada@example.com\n');
    await page.getByRole('button', { name: 'Check pasted text' }).click();
    await page.getByText('pasted text: read as pdscope users. 1 user: 1 ready, 0 with problems.').waitFor();
    for (const name of ['ondemand.js', 'ondemand_bg.wasm', 'ondemand.css']) {
      const r = await fetch(`${web.origin}/pdscope/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get('cache-control'), 'no-cache', name);
      assert.equal(r.headers.get('content-security-policy'), web.csp, name);
    }
    const violations = await page.evaluate(() => window.__csp);
    assert.deepEqual(violations, []);
    assert.ok(!page.consoleLines.some((l) => /Content Security Policy|Refused to/i.test(l)), page.consoleLines.join('\n'));
  } finally {
    await page.context().close(); await web.stop(); await sb.stop();
  }
});
