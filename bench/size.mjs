// Size and cold-load benchmark of the release build. Prints tables; checks the budgets.
//   node bench/size.mjs [DIST]   (scripts/bench.sh size builds the release first)
//   SIZE_ONLY=1 node bench/size.mjs [DIST]   only the size table and the budget checks (the
//   test command runs this: sizes are exact, so unlike timings they can gate CI)
// Sizes are those scripts/compress.mjs writes and nginx serves: gzip -9 and brotli at quality 11,
// with Node's zlib. config.json has no precompressed copy (operators replace it): nginx gzips it
// per request, so it counts at its gzip size in the brotli column too.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { launch, startStatic } from '../e2e/lib.mjs';
import { brotli, gzip, NOT_COMPRESSED } from '../scripts/compress.mjs';

const BUDGET_GZIP = 250 * 1024;
const BUDGET_BROTLI = 200 * 1024;
const dist = path.resolve(process.argv[2] ?? process.env.PDSCOPE_DIST ?? 'target/release-dist');
const kb = (n) => (n / 1024).toFixed(1);

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
// What the first page load fetches: the page, what it links, and config.json.
const linked = new Set([...html.matchAll(/(?:href|src)="\.\/([^"]+)"/g)].map((m) => m[1]));
for (const m of html.matchAll(/'\.\/([^']+)'/g)) linked.add(m[1]);
const files = ['index.html', ...[...linked].filter((f) => !f.endsWith('/')), 'config.json']
  .filter((f, i, a) => a.indexOf(f) === i && statSync(path.join(dist, f), { throwIfNoEntry: false }));
const rows = files.map((f) => {
  const b = readFileSync(path.join(dist, f));
  const gz = gzip(b).length;
  return { f, raw: b.length, gz, br: NOT_COMPRESSED.includes(f) ? gz : brotli(b).length };
});
const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
const total = { gz: sum('gz'), br: sum('br') };
console.log('\n## First-load transfer (gzip -9, brotli 11)\n');
console.log('| file | raw KB | gzip KB | brotli KB |\n|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.f.replace(/-[0-9a-f]{8,16}(?=[._])/, '-<hash>')} | ${kb(r.raw)} | ${kb(r.gz)} | ${kb(r.br)}${NOT_COMPRESSED.includes(r.f) ? ' (gzip)' : ''} |`);
console.log(`| **total** | ${kb(sum('raw'))} | **${kb(total.gz)}** | **${kb(total.br)}** |`);
const verdict = (what, n, budget) => `budget: ${kb(budget)} KB ${what} in total: ${n <= budget ? 'UNDER' : 'OVER'} budget by ${kb(Math.abs(budget - n))} KB`;
console.log(`\n${verdict('gzip', total.gz, BUDGET_GZIP)}\n${verdict('brotli', total.br, BUDGET_BROTLI)}`);
const unlisted = readdirSync(dist).filter((f) => !files.includes(f) && !/\.(br|gz)$/.test(f));
if (unlisted.length) console.log(`(not fetched on first load: ${unlisted.map((f) => f.replace(/-[0-9a-f]{16}(?=[._])/, '-<hash>')).join(', ')})`);
process.exitCode = total.gz <= BUDGET_GZIP && total.br <= BUDGET_BROTLI ? 0 : 1;
if (process.env.SIZE_ONLY) process.exit();

// Cold load in headless Chromium from a local static server: a new context per run.
const RUNS = Number(process.env.RUNS ?? 7);
const browser = await launch();
const web = await startStatic({ config: { client_id: 'bench', scopes: ['read'], region: 'us' } });
const fcp = [], ready = [];
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (!window.__ready && [...document.querySelectorAll('button')].some((b) => b.textContent === 'Connect to PagerDuty')) {
        window.__ready = performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(web.url);
  await page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
  const m = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    ready: window.__ready,
  }));
  fcp.push(m.fcp); ready.push(m.ready);
  await context.close();
}
await browser.close(); await web.stop();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`\n## Cold load of the home page (headless Chromium, local server, median of ${RUNS})\n`);
console.log('| measure | ms |\n|---|---:|');
console.log(`| first render (first contentful paint) | ${median(fcp).toFixed(0)} |`);
console.log(`| interactive ("Connect to PagerDuty" rendered by the app) | ${median(ready).toFixed(0)} |`);
