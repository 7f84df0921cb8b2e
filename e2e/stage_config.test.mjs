// `PDSCOPE_CONFIG=path trunk serve`: the hooks in Trunk.toml, run the way Trunk 0.21 runs
// them, in a temporary dist/. No browser and no Trunk build: this models what Trunk does
// (trunk-0.21.14 src/build.rs, src/pipelines/html.rs, src/hooks.rs):
//   1. clean dist/.stage;  2. pre_build hooks;  3. the assets, here the
//   `<link data-trunk rel="copy-file" href="config.json">` copy;  4. post_build hooks;
//   5. only if every step succeeded: empty dist/ and move dist/.stage into it.
// A failing hook stops the build before step 5, and `trunk serve` goes on serving dist/ as
// it is, so what matters is the config.json left in dist/ after a build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync, readdirSync, renameSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);

/** The [[hooks]] of Trunk.toml: [{ stage, command, args }]. */
function hooks() {
  const toml = readFileSync(path.join(ROOT, 'Trunk.toml'), 'utf8');
  return toml.split(/^\[\[hooks\]\]\s*$/m).slice(1).map((block) => {
    const body = block.split(/^\[/m)[0];
    const value = (key) => {
      const m = body.match(new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm'));
      // TOML basic strings and arrays of them, as written there, are valid JSON.
      return m ? JSON.parse(m[1]) : undefined;
    };
    return { stage: value('stage'), command: value('command'), args: value('command_arguments') ?? [] };
  });
}

let dir;
before(() => { dir = mkdtempSync(path.join(tmpdir(), 'pdscope-stage-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** One Trunk build into `dist` with PDSCOPE_CONFIG = `config` (undefined: unset). */
function build(dist, config) {
  const stage = path.join(dist, '.stage');
  mkdirSync(dist, { recursive: true });
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  const env = { ...process.env, TRUNK_PROFILE: 'debug', TRUNK_HTML_FILE: path.join(ROOT, 'index.html'),
    TRUNK_SOURCE_DIR: ROOT, TRUNK_STAGING_DIR: stage, TRUNK_DIST_DIR: dist, TRUNK_PUBLIC_URL: './' };
  delete env.PDSCOPE_CONFIG;
  if (config !== undefined) env.PDSCOPE_CONFIG = config;
  let output = '';
  const run = (stageName) => {
    for (const h of hooks().filter((h) => h.stage === stageName)) {
      const r = spawnSync(h.command, h.args, { cwd: ROOT, env, encoding: 'utf8' });
      output += r.stdout + r.stderr;
      if (r.status !== 0) return false;
    }
    return true;
  };
  if (!run('pre_build')) return { ok: false, output };
  copyFileSync(path.join(ROOT, 'config.json'), path.join(stage, 'config.json'));
  // As Trunk writes it from index.html: the post-build hooks name the on-demand module on <html>.
  writeFileSync(path.join(stage, 'index.html'), '<!doctype html><html lang="en"><head></head><body></body></html>');
  if (!run('post_build')) return { ok: false, output };
  for (const e of readdirSync(dist)) if (e !== '.stage') rmSync(path.join(dist, e), { recursive: true, force: true });
  for (const e of readdirSync(stage)) renameSync(path.join(stage, e), path.join(dist, e));
  rmSync(stage, { recursive: true });
  return { ok: true, output };
}

/** What `trunk serve` answers for config.json after the build: its text, or null (404). */
function served(dist) {
  const f = path.join(dist, 'config.json');
  return existsSync(f) ? readFileSync(f, 'utf8') : null;
}

const SCOPED = '{ "client_id": "scoped-one", "scopes": ["services.read"] }\n';

function freshDist(name) {
  const dist = path.join(dir, name, 'dist');
  const scoped = path.join(dir, name, 'config.scoped.json');
  mkdirSync(path.dirname(dist), { recursive: true });
  writeFileSync(scoped, SCOPED);
  return { dist, scoped };
}

test('the hooks call the staging script', () => {
  const h = hooks();
  assert.ok(h.length > 0, 'Trunk.toml has [[hooks]]');
  for (const stage of ['pre_build', 'post_build']) {
    assert.ok(h.some((x) => x.stage === stage && x.args.join(' ').includes('scripts/stage-config.sh')), stage);
  }
});

test('without PDSCOPE_CONFIG the committed config.json is served', () => {
  const { dist } = freshDist('unset');
  const r = build(dist, undefined);
  assert.ok(r.ok, r.output);
  assert.equal(served(dist), readFileSync(path.join(ROOT, 'config.json'), 'utf8'));
});

test('PDSCOPE_CONFIG names the config.json served in its place', () => {
  const { dist, scoped } = freshDist('valid');
  const r = build(dist, scoped);
  assert.ok(r.ok, r.output);
  assert.equal(served(dist), SCOPED);
});

for (const [what, make] of [
  ['a missing file', (d) => path.join(d, 'missing.json')],
  ['a file that is not JSON', (d) => { const f = path.join(d, 'broken.json'); writeFileSync(f, '{ "client_id": "x", }'); return f; }],
  ['a JSON file that is not an object', (d) => { const f = path.join(d, 'array.json'); writeFileSync(f, '["client_id"]'); return f; }],
  ['an empty file', (d) => { const f = path.join(d, 'empty.json'); writeFileSync(f, ''); return f; }],
  ['a directory', (d) => { const f = path.join(d, 'a-directory.json'); mkdirSync(f); return f; }],
  ['a file holding a client secret', (d) => { const f = path.join(d, 'credentials.json'); writeFileSync(f, '{"client_id":"x","relay":{"PD_CLIENT_SECRET":"s"}}'); return f; }],
  ['a file whose name starts with a dash', (d) => { const f = path.join(d, '-n.json'); writeFileSync(f, '[]'); return f; }],
]) {
  test(`PDSCOPE_CONFIG naming ${what} fails the build loudly and leaves nothing stale to serve`, () => {
    const { dist, scoped } = freshDist(what.replace(/\W+/g, '-'));
    assert.ok(build(dist, scoped).ok);
    assert.equal(served(dist), SCOPED, 'the previous run served its config');
    const bad = make(path.dirname(dist));
    const r = build(dist, bad);
    assert.equal(r.ok, false, 'the build fails');
    assert.ok(r.output.includes(bad), `the message names the file:\n${r.output}`);
    assert.match(r.output, /PDSCOPE_CONFIG/, 'and the variable to fix');
    assert.equal(served(dist), null, 'no stale config.json is served');
    // Fixing the variable brings it back.
    assert.ok(build(dist, scoped).ok);
    assert.equal(served(dist), SCOPED);
  });
}

test('an unreadable PDSCOPE_CONFIG is refused too', { skip: process.getuid?.() === 0 && 'root reads every file' }, () => {
  const { dist, scoped } = freshDist('unreadable');
  assert.ok(build(dist, scoped).ok);
  chmodSync(scoped, 0o000);
  try {
    const r = build(dist, scoped);
    assert.equal(r.ok, false);
    assert.match(r.output, /cannot be read/);
    assert.equal(served(dist), null);
  } finally { chmodSync(scoped, 0o644); }
});
