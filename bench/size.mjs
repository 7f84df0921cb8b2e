// Size and cold-load benchmark of the release build. Prints tables; checks the budget.
//   node bench/size.mjs [DIST]   (scripts/bench.sh size builds the release first)
//   SIZE_ONLY=1 node bench/size.mjs [DIST]   only the size table and the budget check (the
//   test command runs this: sizes are exact, so unlike timings they can gate CI)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { launch, startStatic } from '../e2e/lib.mjs';

const BUDGET = 250 * 1024;
const dist = path.resolve(process.argv[2] ?? process.env.PDSCOPE_DIST ?? 'target/release-dist');
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1);

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
// What the first page load fetches: the page, what it links, and config.json.
const linked = new Set([...html.matchAll(/(?:href|src)="\.\/([^"]+)"/g)].map((m) => m[1]));
for (const m of html.matchAll(/'\.\/([^']+)'/g)) linked.add(m[1]);
const files = ['index.html', ...[...linked].filter((f) => !f.endsWith('/')), 'config.json']
  .filter((f, i, a) => a.indexOf(f) === i && statSync(path.join(dist, f), { throwIfNoEntry: false }));
const rows = files.map((f) => { const b = readFileSync(path.join(dist, f)); return { f, raw: b.length, gz: gz(b) }; });
const total = rows.reduce((s, r) => s + r.gz, 0);
console.log('\n## First-load transfer (gzip -9)\n');
console.log('| file | raw KB | gzip KB |\n|---|---:|---:|');
for (const r of rows) console.log(`| ${r.f.replace(/-[0-9a-f]{8,16}(?=[._])/, '-<hash>')} | ${kb(r.raw)} | ${kb(r.gz)} |`);
console.log(`| **total** | ${kb(rows.reduce((s, r) => s + r.raw, 0))} | **${kb(total)}** |`);
console.log(`\nbudget: ${kb(BUDGET)} KB gzip in total: ${total <= BUDGET ? 'UNDER' : 'OVER'} budget by ${kb(Math.abs(BUDGET - total))} KB`);
const unlisted = readdirSync(dist).filter((f) => !files.includes(f));
if (unlisted.length) console.log(`(not fetched on first load: ${unlisted.join(', ')})`);
process.exitCode = total <= BUDGET ? 0 : 1;
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
