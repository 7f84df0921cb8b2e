// Issue #15, bulk onboarding, end to end: the importer module loads on demand, checks a file,
// plans against pd-sandbox, imports with its contact methods, rules and teams, reports every
// row, and never duplicates: not on a second run, not when answers are lost, not after a
// reload mid-run. PagerDuty's own Python client then reads back what the file says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, setup, signIn, storedSession, ROOT, choose, plan, runToEnd, writes, readDownload } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const HEADER = 'name,email,role,job_title,time_zone,country_code,phone_number,teams,notify';
const pad = (n) => String(n).padStart(5, '0');
const good = (prefix, i) =>
  `Person ${i},${prefix}${i}@example.com,Responder,Engineer,Europe/London,44,7700 9${pad(i)},Platform;Imported ${i % 3},`;
// Ten ways a row goes wrong, each caught by the check before anything is sent.
const BAD = [
  (p, i) => `Person ${i},not-an-email,Responder,,,44,7700 9${pad(i)},,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Boss,,,44,7700 9${pad(i)},,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Responder,,,44,07700 9${pad(i)},,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Responder,,Mars/Base,44,7700 9${pad(i)},,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Responder,,,2000,7700 9${pad(i)},,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Responder,,,44,555-CALL-NOW,,`,
  (p, i) => `,${p}${i}@example.com,Responder,,,,,,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Account Owner,,,,,,`,
  (p, i) => `Person ${i},${p}${i}@example.com,Responder,,,44,7700 9${pad(i)},,pager:0`,
  (p, i) => `Person ${i},${p}0@example.com,Responder,,,,,,`,
];

function usersFile(prefix, n, badEvery = 0) {
  const rows = [HEADER];
  const bad = [];
  for (let i = 0; i < n; i++) {
    if (badEvery && i % badEvery === badEvery - 1 && bad.length < BAD.length) {
      bad.push(i + 2); // the line in the file
      rows.push(BAD[bad.length - 1](prefix, i));
    } else {
      rows.push(good(prefix, i));
    }
  }
  return { text: rows.join('\r\n') + '\r\n', bad };
}

/** Signs in (Classic `write` unless `scopes`) and opens Import through the header link. */
async function openImport(t, { email = 'admin@example.com' } = {}) {
  await signIn(t, { from: '/', email });
  await t.page.getByText('You are signed in.').waitFor();
  // Home links Import too, beside Services and Users.
  await t.page.getByRole('main').getByRole('link', { name: 'Import' }).waitFor();
  await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
  await t.page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
}






/** The same read as import_check.py, in the test itself, repeating a request the sandbox's
 * injected faults fail (PagerDuty's Python client gives up on a 5xx). */
async function readsRetrying(t, token, prefix) {
  const get = async (p) => {
    for (let i = 0; ; i++) {
      const r = await fetch(`${t.sb.api}${p}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.pagerduty+json;version=2' } });
      if (r.ok) return r.json();
      if (i > 20) throw new Error(`${p}: ${r.status}`);
    }
  };
  const users = {};
  for (let offset = 0, more = true; more; offset += 100) {
    const page = await get(`/users?include%5B%5D=contact_methods&include%5B%5D=notification_rules&include%5B%5D=teams&limit=100&offset=${offset}`);
    more = page.more;
    for (const u of page.users.filter((x) => x.email.startsWith(prefix))) {
      (users[u.email] ??= []).push({ methods: u.contact_methods, rules: u.notification_rules, teams: u.teams });
    }
  }
  return { users };
}

function pythonReads(t, token, prefix) {
  const python = path.join(ROOT, 'target/pyenv/bin/python');
  return JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/import_check.py'), t.sb.api, token, prefix]).toString());
}

test('200 users with 10 bad rows: 190 created with contact methods, rules and teams, 10 reported by line; the same file again writes nothing', async () => {
  // A higher limit the sandbox announces (and lets the browser read) keeps this test short;
  // the pacing at PagerDuty's own 960 a minute is the next test's and the benchmark's.
  const t = await setup(browser, { args: ['--rate-limit', '100000', '--expose-rate-limit-headers'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    const { text, bad } = usersFile('bulk.', 200, 20);
    assert.equal(bad.length, 10);
    assert.equal(await choose(t.page, 'new-team.csv', text), 'new-team.csv: read as pdscope users. 200 users: 190 ready, 10 with problems.');
    for (const line of bad) await t.page.getByRole('region', { name: 'Problems' }).getByRole('cell', { name: String(line), exact: true }).first().waitFor();
    const summary = await plan(t.page);
    assert.equal(summary, '200 users: 190 create, 0 update, 0 add, 0 unchanged, 10 error.');
    await t.page.getByText('PagerDuty e-mails an invitation to each of the 190 new users').waitFor();
    await t.page.getByText('Create missing teams: Imported 0, Imported 1, Imported 2').waitFor();
    const progress = await runToEnd(t.page, 'Import 190 users');
    assert.match(progress, /^190 done, 0 failed, 0 left; 10 not imported \(the plan's errors\)\. Finished\./);
    // The run and its report say which file, kind, account and time they belong to.
    assert.match((await t.page.locator('.run-of').textContent()).trim(), /^new-team\.csv \(users\) in .+, started \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    // The report: one line per row, what was written first, the bad ones with their line numbers.
    const report = t.page.getByRole('region', { name: 'Report' });
    await report.getByRole('cell', { name: 'created', exact: true }).first().waitFor();
    assert.equal(await report.getByRole('cell', { name: 'created', exact: true }).count(), 30, 'the first 30 rows are shown, the created ones first');
    // "Show" picks one status: the ten not imported, with their lines.
    const show = t.page.getByLabel('Show').last();
    assert.deepEqual(await show.locator('option').allTextContents(), ['all (200)', 'created (190)', 'not imported (10)']);
    await show.selectOption('not imported');
    await report.getByRole('cell', { name: 'created', exact: true }).first().waitFor({ state: 'detached' });
    assert.equal(await report.getByRole('cell', { name: 'not imported', exact: true }).count(), 10);
    await show.selectOption('');

    // "Download failed rows": the ten, with the header, a file that checks as it did.
    const [failedDownload] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Download failed rows' }).click()]);
    const failedText = await readDownload(failedDownload);
    assert.equal(failedText.trim().split('\r\n').length, 11, failedText);
    const [reportDownload] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Download report' }).click()]);
    assert.match(reportDownload.suggestedFilename(), /^pdscope-import-users-report-\d{4}-\d{2}-\d{2}-\d{6}\.csv$/);
    assert.equal((await readDownload(reportDownload)).trim().split('\r\n').length, 201);

    const s = await storedSession(t.page);
    const out = pythonReads(t, s.access_token, 'bulk.');
    assert.equal(Object.keys(out.users).length, 190);
    for (const [email, list] of Object.entries(out.users)) {
      assert.equal(list.length, 1, `one user per e-mail: ${email}`);
      const u = list[0];
      const i = Number(email.match(/^bulk\.(\d+)@/)[1]);
      assert.equal(u.role, 'limited_user');
      assert.equal(u.time_zone, 'Europe/London');
      assert.deepEqual(u.methods.map(([type, cc, address]) => `${type} ${cc ?? ''} ${address}`), [
        `email_contact_method  ${email}`,
        `phone_contact_method 44 77009${pad(i)}`,
        `sms_contact_method 44 77009${pad(i)}`,
      ], email);
      assert.deepEqual(u.rules.map(([type, d]) => `${type.replace('_reference', '')} ${d}`), [
        'email_contact_method 0', 'phone_contact_method 0', 'phone_contact_method 3', 'sms_contact_method 0',
      ], email);
      assert.deepEqual(u.teams, [`Imported ${i % 3}`, 'Platform'].sort(), email);
    }
    assert.ok(['Imported 0', 'Imported 1', 'Imported 2'].every((n) => out.team_names.filter((x) => x === n).length === 1));

    // The same file again: planned as unchanged, and not one write.
    const seen = writes(t.page);
    // (Another name: `choose` waits for the summary that names the file.)
    await choose(t.page, 'new-team-again.csv', text);
    // A new file: the finished run's report goes with its file.
    assert.equal(await t.page.getByRole('region', { name: 'Report' }).count(), 0);
    assert.equal(await t.page.locator('.run-of').count(), 0);
    assert.equal(await plan(t.page), '200 users: 0 create, 0 update, 0 add, 190 unchanged, 10 error.');
    assert.equal(await t.page.getByRole('button', { name: 'Nothing to import' }).isDisabled(), true);
    assert.deepEqual(seen, []);
    await choose(t.page, 'failed.csv', failedText);
    // Alone in its file, the row that repeated an e-mail is no longer a repeat.
    assert.equal((await t.page.locator('.check-summary').textContent()).trim(), 'failed.csv: read as pdscope users. 10 users: 1 ready, 9 with problems.');

    // Round trip: "Export all users for import" on Users gives a file that plans as all unchanged.
    await t.page.getByRole('link', { name: 'Users' }).click();
    const [exported] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export all users for import' }).click()]);
    const exportText = await readDownload(exported);
    const lines = exportText.trim().split('\r\n');
    // (Node's decoder drops the byte order mark the file starts with.)
    assert.equal(lines[0], 'name,email,role,job_title,time_zone,country_code,phone_number,sms_number,extra_emails,teams,team_roles,notify,description');
    assert.ok(lines.length > 190, String(lines.length));
    await t.page.getByText(/^Exported \d+ users for import \(the whole account, whatever the search box says\)\.$/).waitFor();
    await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    const checked = await choose(t.page, exported.suggestedFilename(), exportText);
    const problems = checked.endsWith(' 0 with problems.') ? '' : await t.page.getByRole('region', { name: 'Problems' }).textContent();
    assert.equal(problems, '', problems);
    assert.match(checked, new RegExp(`read as pdscope users\\. ${lines.length - 1} users: ${lines.length - 1} ready, 0 with problems\\.$`));
    assert.equal(await plan(t.page), `${lines.length - 1} users: 0 create, 0 update, 0 add, ${lines.length - 1} unchanged, 0 error.`);
    assert.deepEqual(seen, []);
    assert.deepEqual(t.dialogs, []);
  } finally { await t.close(); }
});

test('lost answers and server errors at PagerDuty\'s own rate limit: no duplicates, every row accounted for', async () => {
  const t = await setup(browser, { args: ['--lost-response-rate', '0.1', '--fail-rate', '0.05', '--latency-ms', '20'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    const { text } = usersFile('lossy.', 24);
    await choose(t.page, 'lossy.csv', text);
    assert.equal(await plan(t.page), '24 users: 24 create, 0 update, 0 add, 0 unchanged, 0 error.');
    const progress = await runToEnd(t.page, 'Import 24 users');
    assert.match(progress, /^24 done, 0 failed, 0 left\. Finished\./);
    const s = await storedSession(t.page);
    const out = await readsRetrying(t, s.access_token, 'lossy.');
    assert.equal(Object.keys(out.users).length, 24);
    for (const [email, list] of Object.entries(out.users)) {
      assert.equal(list.length, 1, email);
      assert.equal(list[0].methods.length, 3, `${email}: ${JSON.stringify(list[0].methods)}`);
      assert.equal(list[0].rules.length, 4, `${email}: ${JSON.stringify(list[0].rules)}`);
      assert.equal(list[0].teams.length, 2, email);
    }
  } finally { await t.close(); }
});

test('a reload mid-run shows what was done, and planning the file again finishes the rest', async () => {
  const t = await setup(browser, { config: { scopes: ['write'] } });
  try {
    await openImport(t);
    const { text } = usersFile('reload.', 30);
    await choose(t.page, 'reload.csv', text);
    await plan(t.page);
    await t.page.getByRole('button', { name: 'Import 30 users' }).click();
    // Pause holds the run (rows in flight finish their step), Resume goes on.
    await t.page.getByRole('button', { name: 'Pause' }).click();
    await t.page.locator('.run-progress', { hasText: 'Paused.' }).waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    const held = (await t.page.locator('.run-progress').textContent()).trim();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await t.page.locator('.run-progress').textContent()).trim(), held, 'nothing moves while paused');
    await t.page.getByRole('region', { name: 'Report' }).waitFor();
    await t.page.getByRole('button', { name: 'Resume' }).click();
    // At 960 a minute 30 users take about 15 s: reload when a few are done.
    await t.page.locator('.run-progress', { hasText: /^\s*[3-9] done|^\s*1\d done/ }).waitFor({ timeout: 60000 });
    // Reloading during a run asks first (beforeunload); going on keeps the journal.
    await t.page.reload();
    assert.equal(t.leaveAsked.length, 1, 'the reload asked first');
    const last = t.page.locator('.last-run');
    await last.waitFor();
    const said = (await last.getByRole('status').textContent()).trim();
    const done = Number(said.match(/\): (\d+) done, 0 failed, (\d+) not run\. To finish the rest/)[1]);
    assert.equal(done + Number(said.match(/(\d+) not run/)[1]), 30, `every planned row is counted: ${said}`);
    assert.ok(done >= 3 && done < 30, said);
    await choose(t.page, 'reload.csv', text);
    const summary = await plan(t.page);
    const m = summary.match(/(\d+) create, (\d+) update, (\d+) add, (\d+) unchanged/);
    assert.ok(Number(m[4]) >= done, `${summary} after ${done} done`);
    const rest = 30 - Number(m[4]);
    const progress = await runToEnd(t.page, `Import ${rest} users`);
    assert.match(progress, new RegExp(`^${rest} done, 0 failed`));
    const out = pythonReads(t, (await storedSession(t.page)).access_token, 'reload.');
    assert.equal(Object.keys(out.users).length, 30);
    assert.ok(Object.values(out.users).every((l) => l.length === 1 && l[0].methods.length === 3 && l[0].rules.length === 4));

    // A written team role changes a membership the user has; without team_roles nobody's changes.
    const roles = 'name,email,teams,team_roles\r\nPerson 0,reload.0@example.com,Platform,observer\r\nPerson 1,reload.1@example.com,Platform,\r\n';
    await choose(t.page, 'roles.csv', roles);
    assert.equal(await plan(t.page), '2 users: 0 create, 1 update, 0 add, 1 unchanged, 0 error.');
    await t.page.getByRole('cell', { name: 'team Platform role: responder → observer', exact: true }).waitFor();
    assert.match(await runToEnd(t.page, 'Import 1 user'), /^1 done, 0 failed/);
    const token = (await storedSession(t.page)).access_token;
    const get = async (p) => (await fetch(`${t.sb.api}${p}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const platform = (await get('/teams?limit=100')).teams.find((x) => x.name === 'Platform');
    const members = [];
    for (let offset = 0, more = true; more; offset += 100) {
      const page = await get(`/teams/${platform.id}/members?include%5B%5D=users&limit=100&offset=${offset}`);
      more = page.more;
      members.push(...page.members);
    }
    const role = (email) => members.find((m) => m.user.email === email)?.role;
    assert.equal(role('reload.0@example.com'), 'observer');
    assert.equal(role('reload.1@example.com'), 'responder');
    await choose(t.page, 'roles-again.csv', roles);
    assert.equal(await plan(t.page), '2 users: 0 create, 0 update, 0 add, 2 unchanged, 0 error.');
    // The user page shows what the import wrote: the rules and the role in each team (its
    // part from the on-demand module).
    const id = members.find((m) => m.user.email === 'reload.0@example.com').user.id;
    await t.page.goto(new URL(`users/${encodeURIComponent(id)}`, t.web.url).href);
    const extras = t.page.getByRole('region', { name: 'Notification rules and team roles' });
    await extras.getByRole('row', { name: /^after 3 minutes \w+ phone \+44 7700900000$/ }).waitFor();
    await extras.getByRole('row', { name: 'Platform observer', exact: true }).waitFor();
  } finally { await t.close(); }
});

test('services by escalation policy name; PagerDuty\'s create_services headers work as they are', async () => {
  const t = await setup(browser, { config: { scopes: ['write'] } });
  try {
    await openImport(t);
    await t.page.getByLabel('Services').check();
    const file = 'name,description,escalation policy,notification urgency,acknowledgement timeout,auto resolution,incident behavior\r\n'
      + 'Imported Checkout,Takes payments,Payments Team Escalation Policy,high,30,240,create_incidents\r\n'
      + 'Imported Search,"Finds things, fast",Search & Discovery Escalation Policy,low,,off,create_incidents\r\n'
      + 'Imported Nowhere,,No Such Policy,high,,,\r\n';
    assert.equal(await choose(t.page, 'services.csv', file), 'services.csv: read as PagerDuty create_services. 3 services: 3 ready, 0 with problems.');
    await t.page.getByText('Not imported (columns pdscope does not write): incident behavior.').waitFor();
    assert.equal(await plan(t.page), '3 services: 2 create, 0 update, 0 add, 0 unchanged, 1 error.');
    await t.page.getByRole('cell', { name: /no escalation policy named \(or with the id\) No Such Policy/ }).waitFor();
    assert.match(await runToEnd(t.page, 'Import 2 services'), /^2 done, 0 failed/);
    const s = await storedSession(t.page);
    const get = async (p) => (await fetch(`${t.sb.api}${p}`, { headers: { Authorization: `Bearer ${s.access_token}` } })).json();
    const [checkout] = (await get('/services?name=Imported%20Checkout')).services;
    const policies = (await get('/escalation_policies?limit=100')).escalation_policies;
    assert.equal(checkout.escalation_policy.id, policies.find((p) => p.name === 'Payments Team Escalation Policy').id);
    assert.equal(checkout.acknowledgement_timeout, 1800);
    assert.equal(checkout.auto_resolve_timeout, 14400);
    const [search] = (await get('/services?name=Imported%20Search')).services;
    assert.equal(search.description, 'Finds things, fast');
    assert.equal(search.auto_resolve_timeout, null);
    // Again: nothing to do.
    await choose(t.page, 'services-again.csv', file);
    assert.equal(await plan(t.page), '3 services: 0 create, 0 update, 0 add, 2 unchanged, 1 error.');
  } finally { await t.close(); }
});

test('a Manager and a Classic read session are stopped before any write, told why and what to do', async () => {
  const t = await setup(browser, { config: { scopes: ['read'] } });
  try {
    const seen = writes(t.page);
    await openImport(t);
    // Said on opening, before any file is chosen, with the one sign-in that helps.
    await t.page.getByText('This session can only read: importing needs the write scope. Sign in again with it before you choose a file.').waitFor();
    assert.equal(await t.page.getByRole('button', { name: 'Sign in again with write' }).count(), 1);
    await choose(t.page, 'team.csv', usersFile('stopped.', 3).text);
    await plan(t.page);
    await t.page.getByText(/^This import needs the scope write, which this session lacks \(it has: (read openid|openid read)\)\. Nothing has been written\.$/).waitFor();
    await t.page.locator('.plan-summary ~ .warnings').getByRole('button', { name: 'Sign in again with write' }).waitFor();
    assert.equal(await t.page.getByRole('button', { name: 'Import 3 users' }).isDisabled(), true);
    assert.deepEqual(seen, []);
  } finally { await t.close(); }
  const r = await setup(browser, { config: { scopes: ['write'] } });
  try {
    const seen = writes(r.page);
    await openImport(r, { email: 'user@example.com' });
    // Told on opening, from the role the header knows; no sign-in is offered (it cannot help).
    await r.page.getByText('Your PagerDuty role is Manager. Only a Global Admin or the Account Owner may add users; ask one of them to run this job.', { exact: true }).waitFor();
    assert.equal(await r.page.getByRole('button', { name: /Sign in/ }).count(), 0);
    await choose(r.page, 'team.csv', usersFile('stopped.', 3).text);
    await plan(r.page);
    await r.page.getByText('Your PagerDuty role is Manager. Only a Global Admin or the Account Owner may add users; ask one of them to run this job. Nothing has been written.').waitFor();
    assert.equal(await r.page.getByRole('button', { name: 'Import 3 users' }).isDisabled(), true);
    assert.deepEqual(seen, []);
  } finally { await r.close(); }
});

test('a credentials file imported after Import was opened and the session ended: the importer answers to the new shell', async () => {
  const t = await setup(browser);
  try {
    const errors = [];
    // A panic in either module: the app's pages or its answers to the importer (which the
    // importer's call catches, so only the console says so).
    t.page.on('pageerror', (e) => errors.push(String(e)));
    t.page.on('console', (m) => { if (m.type() === 'error' && m.text().includes('panicked')) errors.push(m.text().split('\n')[1]); });
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    await t.page.getByText('What to do').waitFor();
    // Signing out unloads the module; the page asks to sign in instead.
    await t.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await t.page.getByText('Sign in with PagerDuty to see import.').waitFor();
    // Home, in the page (no reload), and another app's client id: the shell is built anew.
    await t.page.locator('a.brand').click();
    await t.page.getByText('Use another PagerDuty app').click();
    await t.page.getByLabel(/Import the app's credentials file/).setInputFiles({ name: 'app.json', mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ client_id: 'pdscope-local' })) });
    await t.page.getByText(/pdscope-local/).first().waitFor();
    await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    // Signed out, Import asks to sign in (as every page does); signing in comes back to it.
    await t.page.getByText('Sign in with PagerDuty to see import.').waitFor();
    await signIn(t);
    await t.page.waitForURL(t.web.origin + '/import');
    await choose(t.page, 'after.csv', usersFile('after.', 2).text);
    await t.page.getByRole('button', { name: 'Plan against PagerDuty' }).waitFor();
    assert.deepEqual(errors, []);
  } finally { await t.close(); }
});
