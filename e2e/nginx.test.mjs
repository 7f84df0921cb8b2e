// The release build on Debian's nginx under /pdscope/, with the documented configuration and
// a strict CSP: sign in through the sub-path, load services, and no CSP violation; every file
// served from its precompressed copy (brotli, gzip), and the hashed ones cached a year.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, startSandbox, sandboxConfig, freePort, signIn, ROOT, DIST } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** GET `url` with `headers`, the body exactly as sent (not decompressed). */
function raw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** `withoutBrotli`: the template as documented for a host without the brotli module (the lines
 *  marked "# brotli module" deleted). */
async function startNginx(sb, port, { withoutBrotli = false } = {}) {
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
    .split('\n').filter((l) => !(withoutBrotli && l.endsWith('# brotli module'))).join('\n')
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
  return { origin, csp, root: path.join(www, 'pdscope'), stop: () => new Promise((r) => { proc.once('exit', () => { rmSync(dir, { recursive: true, force: true }); r(); }); proc.kill('SIGQUIT'); }) };
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
      assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', `${p}: Cross-Origin-Opener-Policy`);
      // HSTS is in the template, commented: this host is plain http.
      assert.equal(r.headers.get('strict-transport-security'), null, `${p}: no Strict-Transport-Security`);
      if (status === 301) assert.equal(new URL(r.headers.get('location'), web.origin).pathname, '/pdscope/');
      // Only a hashed asset that exists is cached for a year; a missing one is not cached.
      if (p === `/pdscope/${asset}`) assert.match(r.headers.get('cache-control') ?? '', /max-age=31536000/);
      if (p.startsWith('/pdscope/missing-')) assert.doesNotMatch(r.headers.get('cache-control') ?? '', /max-age=31536000/, p);
    }
  } finally {
    await web.stop(); await sb.stop();
  }
});

test('nginx sends every file of the build from its precompressed copy: brotli, else gzip, else as is', async () => {
  const port = await freePort();
  const sb = await startSandbox(['--services', '1', '--users', '2', '--redirect-uri', `http://127.0.0.1:${port}/pdscope/callback`]);
  const web = await startNginx(sb, port);
  try {
    const html = readFileSync(path.join(web.root, 'index.html'), 'utf8');
    const ondemand = html.match(/<html lang="en" data-ondemand="(ondemand-[0-9a-f]{16}\.js)">/)?.[1];
    assert.ok(ondemand, 'index.html names the hashed on-demand module');
    // The first load (page, boot script harden.mjs wrote, what the page links) and the
    // on-demand module's three files.
    const linked = [...html.matchAll(/(?:href|src)="\.\/([^"]+)"/g)].map((m) => m[1]);
    const files = [...new Set(['index.html', ...linked, ondemand, ondemand.replace('.js', '_bg.wasm'), ondemand.replace('.js', '.css')])];
    assert.ok(files.some((f) => /^boot-[0-9a-f]{16}\.js$/.test(f)) && files.some((f) => f.startsWith('snippets/')), files.join(' '));
    for (const f of files) {
      const plain = readFileSync(path.join(web.root, f));
      for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['identity', undefined]]) {
        const r = await raw(`${web.origin}/pdscope/${f}`, { 'accept-encoding': accept });
        assert.equal(r.status, 200, f);
        assert.equal(r.headers['content-encoding'], encoding, `${f} for ${accept}`);
        const sent = encoding ? readFileSync(path.join(web.root, `${f}.${encoding === 'br' ? 'br' : 'gz'}`)) : plain;
        assert.ok(r.body.equals(sent), `${f} for ${accept}: the file on disk, as it is`);
        if (encoding) assert.match(r.headers.vary ?? '', /Accept-Encoding/i, `${f}: Vary`);
      }
    }
    // The precompressed index.html is the hardened one (harden.mjs wrote it again).
    const br = await raw(`${web.origin}/pdscope/services`, { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match((await import('node:zlib')).brotliDecompressSync(br.body).toString(), /<base href="\/pdscope\/">/);
    // config.json, which operators replace, has no precompressed copy: gzipped per request.
    for (const ext of ['br', 'gz']) assert.ok(!existsSync(path.join(DIST, `config.json.${ext}`)), `no config.json.${ext} in the build`);
    const config = await raw(`${web.origin}/pdscope/config.json`, { 'accept-encoding': 'gzip, br' });
    assert.equal(config.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse((await import('node:zlib')).gunzipSync(config.body)), sandboxConfig(sb));
    // The build itself: a .br and a .gz beside every file but config.json.
    for (const f of files.filter((x) => !/^boot-/.test(x))) {
      for (const ext of ['br', 'gz']) assert.ok(statSync(path.join(DIST, `${f}.${ext}`)).size > 0, `${f}.${ext} in the build`);
    }
  } finally {
    await web.stop(); await sb.stop();
  }
});

test('nginx without the brotli module (the template with its two "brotli module" lines deleted) still sends gzip', async () => {
  const port = await freePort();
  const sb = await startSandbox(['--services', '1', '--users', '2', '--redirect-uri', `http://127.0.0.1:${port}/pdscope/callback`]);
  const web = await startNginx(sb, port, { withoutBrotli: true });
  try {
    const html = readFileSync(path.join(web.root, 'index.html'), 'utf8');
    const wasm = html.match(/href="\.\/([^"]+_bg\.wasm)"/)[1];
    const gz = await raw(`${web.origin}/pdscope/${wasm}`, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.body.equals(readFileSync(path.join(web.root, `${wasm}.gz`))));
    const plain = await raw(`${web.origin}/pdscope/${wasm}`, { 'accept-encoding': 'br' });
    assert.equal(plain.headers['content-encoding'], undefined, 'no brotli without the module');
    assert.equal(plain.body.length, statSync(path.join(web.root, wasm)).size);
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
    // The on-demand module (Import, token inspector), under the same CSP, by the hashed names
    // index.html gives: cached a year like the rest.
    await page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    await page.getByRole('button', { name: 'Download users template' }).waitFor({ timeout: 30000 });
    await page.getByText('Paste CSV text instead').click();
    await page.getByLabel('CSV text').fill('name,email\nAda,ada@example.com\n');
    await page.getByRole('button', { name: 'Check pasted text' }).click();
    await page.getByText('pasted text: read as pdscope users. 1 user: 1 ready, 0 with problems.').waitFor();
    const ondemand = html.match(/data-ondemand="(ondemand-([0-9a-f]{16})\.js)"/);
    assert.ok(ondemand, 'index.html names the on-demand module with its hash');
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    const names = [ondemand[1], `ondemand-${ondemand[2]}_bg.wasm`, `ondemand-${ondemand[2]}.css`];
    for (const name of names) {
      assert.ok(loaded.includes(`/pdscope/${name}`), `the page loaded ${name}: ${loaded.join(' ')}`);
      const r = await fetch(`${web.origin}/pdscope/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
      assert.equal(r.headers.get('content-security-policy'), web.csp, name);
    }
    assert.ok(!loaded.some((p) => /\/ondemand(_bg)?\.(js|wasm|css)$/.test(p)), `no unhashed name: ${loaded.join(' ')}`);
    const violations = await page.evaluate(() => window.__csp);
    assert.deepEqual(violations, []);
    assert.ok(!page.consoleLines.some((l) => /Content Security Policy|Refused to/i.test(l)), page.consoleLines.join('\n'));
  } finally {
    await page.context().close(); await web.stop(); await sb.stop();
  }
});
