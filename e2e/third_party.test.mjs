// Issue "sandbox": a PagerDuty REST client that is not ours, pointed at the sandbox's API
// with a sandbox token, lists every service and user with its own pagination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, setup as setupWith, signIn, storedSession, ROOT } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('python-pagerduty lists every sandbox service and user with the right counts', async () => {
  const t = await setupWith(browser, { args: ['--services', '1234', '--users', '321'] });
  try {
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    const python = path.join(ROOT, 'target/pyenv/bin/python');
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/third_party_client.py'), t.sb.api, s.access_token]).toString());
    assert.deepEqual(out, { services: 1234, unique_services: 1234, users: 321, unique_users: 321, me: 'admin@example.com' });
  } finally { await t.close(); }
});
