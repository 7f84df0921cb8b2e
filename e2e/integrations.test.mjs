// Issue #29 part A, end to end: services imported with an Events API v2 integration each,
// made once even when answers are lost, their routing keys masked on screen and only in the
// keys file (not in the report, the journal or the address bar), and "Export routing keys"
// on the Services page. PagerDuty's own Python client counts the integrations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, setup, storedSession, ROOT, choose, plan, runToEnd, openImport } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const FAST = ['--rate-limit', '100000', '--expose-rate-limit-headers'];
const KEY = /^[0-9a-f]{32}$/;

function servicesFile(prefix, n) {
  const rows = ['name,escalation_policy'];
  for (let i = 0; i < n; i++) rows.push(`${prefix} ${String(i).padStart(2, '0')},Payments Team Escalation Policy`);
  return rows.join('\r\n') + '\r\n';
}





async function download(page, button) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const chunks = [];
  for await (const c of await d.createReadStream()) chunks.push(c);
  return { name: d.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}

/** {service name: [its Events API v2 keys]} as python-pagerduty reads them. */
function pythonKeys(t, token, prefix) {
  const python = path.join(ROOT, 'target/pyenv/bin/python');
  return JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/integrations_check.py'), t.sb.api, token, prefix]).toString());
}

/** The keys file's rows (after its header), split on commas (the names here have none). */
const keyRows = (text) => text.replace(/^\uFEFF/, '').trim().split(/\r\n/).slice(1).map((l) => l.split(','));

test('20 services imported get one integration each; keys masked, only in the keys file; the same file again changes nothing; Export routing keys has them', async () => {
  // New services refuse integrations for a moment, as PagerDuty's can: the run waits.
  const t = await setup(browser, { args: [...FAST, '--integration-create-lag-ms', '1500'], config: { scopes: ['write'] } });
  try {
    await openImport(t, { kind: 'Services' });
    const file = servicesFile('Keyed', 20);
    await choose(t.page, 'keyed.csv', file);
    assert.equal(await plan(t.page), '20 services: 20 create, 0 update, 0 add, 0 unchanged, 0 error.');
    await t.page.getByText(/^20 services get an Events API v2 integration/).waitFor();
    assert.match(await runToEnd(t.page, 'Import 20 services'), /^20 done, 0 failed/);

    // On screen: dots until revealed.
    const codes = t.page.locator('.routing-keys code.token');
    assert.equal(await codes.count(), 20);
    assert.ok((await codes.allTextContents()).every((c) => /^•{32}$/.test(c)));
    const first = t.page.locator('.routing-keys tr', { hasText: 'Keyed 00' }).locator('code.token');
    await t.page.getByRole('button', { name: 'Reveal routing key of Keyed 00' }).click();
    assert.match(await first.textContent(), KEY);
    assert.match(await codes.nth(1).textContent(), /^•{32}$/, 'only the one revealed');

    const keysFile = await download(t.page, 'Download routing keys');
    assert.match(keysFile.name, /^pdscope-routing-keys-.*\.csv$/);
    const rows = keyRows(keysFile.text);
    assert.equal(rows.length, 20);
    assert.ok(rows.every((r) => r[2] === 'Events API v2' && KEY.test(r[4]) && r[5] === 'https://events.pagerduty.com/v2/enqueue'), keysFile.text);
    const keys = rows.map((r) => r[4]);

    // Exactly one each, the keys the file has, as PagerDuty's own client reads them.
    const s = await storedSession(t.page);
    const read = pythonKeys(t, s.access_token, 'Keyed ');
    assert.equal(Object.keys(read).length, 20);
    assert.ok(Object.values(read).every((k) => k.length === 1), JSON.stringify(read));
    assert.deepEqual(Object.values(read).flat().sort(), [...keys].sort());

    // Nowhere else: not the report, the journal, the address bar or any storage.
    const report = await download(t.page, 'Download report');
    const journal = await t.page.evaluate(() => sessionStorage.getItem('pdscope.bulk.journal'));
    assert.ok(journal && journal.includes('integration '), 'the journal names the integrations it made');
    const stored = await t.page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    for (const k of keys) {
      assert.ok(!report.text.includes(k) && !stored.includes(k) && !t.page.url().includes(k), `key ${k} leaked`);
    }

    // The same file again: nothing to do.
    await choose(t.page, 'keyed-again.csv', file);
    assert.equal(await plan(t.page), '20 services: 0 create, 0 update, 0 add, 20 unchanged, 0 error.');

    // Export routing keys from the Services page: the whole account's keys, these included.
    await t.page.getByRole('navigation').getByRole('link', { name: 'Services' }).click();
    const exported = await download(t.page, 'Export routing keys');
    await t.page.getByText(/^Exported \d+ routing keys of \d+ services/).waitFor();
    const all = keyRows(exported.text).map((r) => r.at(-2));
    for (const k of keys) assert.ok(all.includes(k), `${k} in the export`);
    const everything = Object.values(pythonKeys(t, s.access_token, '')).flat().filter(Boolean);
    assert.equal(all.length, everything.length);
  } finally { await t.close(); }
});

test('with a fifth of answers lost, every service still gets exactly one integration', async () => {
  const t = await setup(browser, { args: [...FAST, '--lost-response-rate', '0.2'], config: { scopes: ['write'] } });
  try {
    await openImport(t, { kind: 'Services' });
    await choose(t.page, 'lossy.csv', servicesFile('Lossy', 20));
    assert.equal(await plan(t.page), '20 services: 20 create, 0 update, 0 add, 0 unchanged, 0 error.');
    assert.match(await runToEnd(t.page, 'Import 20 services'), /^20 done, 0 failed/);
    const s = await storedSession(t.page);
    const read = pythonKeys(t, s.access_token, 'Lossy ');
    assert.equal(Object.keys(read).length, 20);
    assert.ok(Object.values(read).every((k) => k.length === 1 && KEY.test(k[0])), JSON.stringify(read));
    const keysFile = await download(t.page, 'Download routing keys');
    assert.deepEqual(keyRows(keysFile.text).map((r) => r[4]).sort(), Object.values(read).flat().sort());
    // Answers were lost on the way: what they made was found, not made again.
    assert.match((await download(t.page, 'Download report')).text, /found (service|integration)/);
  } finally { await t.close(); }
});
