// Bulk onboarding in the real browser against pd-sandbox with 50 ms per request: 200 users,
// each with a phone and an SMS number, three notification rules and a team (about 1,400
// writes). First at PagerDuty's limit (960 requests a minute per user and app): the achieved
// request rate as a share of it, and how many 429s. Then with the limit lifted (the sandbox
// announces a high one in `ratelimit-limit`, which the importer follows): the time against one
// request after another (the run's requests and CORS preflights times the measured time of each).
// Prints tables.   node bench/import.mjs     (scripts/bench.sh import)
import { launch, setup, signIn } from '../e2e/lib.mjs';

const LATENCY = Number(process.env.LATENCY_MS ?? 50);
const USERS = Number(process.env.USERS ?? 200);

function file(prefix) {
  const rows = ['name,email,country_code,phone_number,teams'];
  for (let i = 0; i < USERS; i++) rows.push(`Bench ${i},${prefix}${i}@example.com,44,7700 9${String(i).padStart(5, '0')},Platform`);
  return rows.join('\r\n') + '\r\n';
}

async function importRun(args, prefix) {
  const browser = await launch();
  const t = await setup(browser, { args: ['--latency-ms', String(LATENCY), ...args], config: { scopes: ['write'] } });
  try {
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    await t.page.getByRole('link', { name: 'Import' }).click();
    await t.page.locator('input[type=file]').setInputFiles({ name: `${prefix}csv`, mimeType: 'text/csv', buffer: Buffer.from(file(prefix)) });
    await t.page.getByRole('button', { name: 'Plan against PagerDuty' }).click();
    await t.page.locator('.plan-summary').waitFor({ timeout: 120000 });
    let requests = 0, writes = 0, throttled = 0, first = 0, last = 0;
    t.page.on('request', (r) => {
      if (!r.url().startsWith(t.sb.api) || r.method() === 'OPTIONS') return;
      requests++;
      if (r.method() !== 'GET') writes++;
      first ||= Date.now();
      last = Date.now();
    });
    t.page.on('response', (r) => { if (r.url().startsWith(t.sb.api) && r.status() === 429) throttled++; });
    // CORS preflights (Playwright does not report them): a browser sends one before a write
    // or an authorised read unless it asked the same URL the same thing in the last seconds.
    let preflights = 0;
    const cdp = await t.page.context().newCDPSession(t.page);
    await cdp.send('Network.enable');
    cdp.on('Network.requestWillBeSent', (e) => { if (e.request.method === 'OPTIONS' && e.request.url.startsWith(t.sb.api)) preflights++; });
    const start = Date.now();
    await t.page.getByRole('button', { name: `Import ${USERS} users` }).click();
    await t.page.locator('.run-progress', { hasText: 'Finished.' }).waitFor({ timeout: 900000 });
    const ms = Date.now() - start;
    const progress = (await t.page.locator('.run-progress').textContent()).trim();
    // What the import did, before the timing requests below add to the counts.
    const run = { ms, requests, writes, throttled, preflights, span: last - first };
    await cdp.detach();
    // One request after another: the time of one request, measured from the same page, with
    // its preflight cached (the same URL each time) and with a preflight (a new URL each time).
    const [one, withPreflight] = await t.page.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('pdscope.session'));
      const get = (u) => fetch(u, { headers: { Authorization: `Bearer ${s.access_token}`, Accept: 'application/vnd.pagerduty+json;version=2' } });
      const time = async (url) => {
        // One untimed request first: the same URL each time then finds its preflight cached,
        // while new URLs (n = 1..20, not 0) each still need their own.
        await get(url(-1));
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) await get(url(i));
        return (performance.now() - t0) / 20;
      };
      return [await time(() => `${s.api_url}/users/me`), await time((i) => `${s.api_url}/users/me?n=${i + 1}`)];
    });
    return { ...run, one, preflight: withPreflight - one, progress };
  } finally { await t.close(); await browser.close(); }
}

const limited = await importRun([], 'paced.');
const lifted = await importRun(['--rate-limit', '1000000', '--expose-rate-limit-headers'], 'lifted.');

const perMin = (n, ms) => (n / (ms / 60000));
console.log(`\n## Import of ${USERS} users (phone + SMS, 3 rules, 1 team), ${LATENCY} ms a request\n`);
console.log('| run | time s | requests | writes | preflights | 429s | requests a minute | share of 960 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of [["PagerDuty's limit (960 a minute)", limited], ['limit lifted', lifted]]) {
  const rate = perMin(r.requests, r.span);
  console.log(`| ${name} | ${(r.ms / 1000).toFixed(1)} | ${r.requests} | ${r.writes} | ${r.preflights} | ${r.throttled} | ${rate.toFixed(0)} | ${(100 * rate / 960).toFixed(0)} % |`);
}
const sequential = lifted.requests * lifted.one + lifted.preflights * lifted.preflight;
console.log(`\nLimit lifted: one request takes ${lifted.one.toFixed(1)} ms from the page and a preflight ${lifted.preflight.toFixed(1)} ms more, so ${lifted.requests} requests and ${lifted.preflights} preflights one after another take about ${(sequential / 1000).toFixed(1)} s; the importer took ${(lifted.ms / 1000).toFixed(1)} s: ${(sequential / lifted.ms).toFixed(1)}x faster.`);
console.log(`(last progress lines: "${limited.progress}" / "${lifted.progress}")`);
