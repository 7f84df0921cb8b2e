#!/usr/bin/env node
// Prepares a release dist/ for a static host: moves Trunk's inline boot script into a
// hashed file (so the CSP needs no 'unsafe-inline'), sets <base href>, and writes the
// Content-Security-Policy as a <meta> tag, with connect-src limited to the origins that
// config.json names. Prints the header form of the CSP (with frame-ancestors) for servers.
// A precompressed build (scripts/compress.mjs) stays one: the boot script gets its .br and .gz,
// and index.html's are written again, so no stale copy is served in its place.
//
//   node scripts/harden.mjs DIST [--base /pdscope/] [--config DIST/config.json]
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { compressFile, removeFile } from './compress.mjs';

const args = process.argv.slice(2);
const dist = args[0];
if (!dist) { console.error('usage: node scripts/harden.mjs DIST [--base /path/] [--config FILE]'); process.exit(2); }
const opt = (name, dflt) => { const i = args.indexOf(name); return i > 0 ? args[i + 1] : dflt; };
const base = opt('--base', '/');
const configPath = opt('--config', path.join(dist, 'config.json'));

const PD_API = { us: 'https://api.pagerduty.com', eu: 'https://api.eu.pagerduty.com' };
/** The origin of an endpoint config.json names, held to the app's rule (https, or http on
 *  loopback; a plain host name) so nothing odd can reach the CSP; anything else stops the build. */
const origin = (u) => {
  let url;
  try { url = new URL(String(u).trim()); } catch { fail(`${JSON.stringify(u)} is not an absolute URL`); }
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) fail(`${u} is not https (plain http only on loopback)`);
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[::1\]$/.test(url.hostname) || url.username || url.password) fail(`${u} has an unexpected host`);
  return url.origin;
};
function fail(why) { console.error(`harden: config.json: ${why}`); process.exit(1); }

/** The connect-src origins a config needs: token, revoke and API hosts. */
export function connectOrigins(config) {
  const out = new Set();
  for (const key of ['token_url', 'revoke_url']) {
    out.add(origin(config[key] || 'https://identity.pagerduty.com/oauth/token'));
  }
  // Each region's API: PagerDuty's host unless api_url_us / api_url_eu names another.
  const regionApi = (r) => config[`api_url_${r}`] || PD_API[r];
  const region = (config.region ?? '').toLowerCase();
  if (config.api_url) out.add(origin(config.api_url));
  else if (PD_API[region]) out.add(origin(regionApi(region)));
  else { out.add(origin(regionApi('us'))); out.add(origin(regionApi('eu'))); }
  return [...out].sort();
}

export function policy(config, { header }) {
  const parts = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${connectOrigins(config).join(' ')}`,
    // 'self', not 'none': the <base href> element is how one build serves any sub-path.
    "base-uri 'self'",
    "form-action 'none'",
    "object-src 'none'",
  ];
  if (header) parts.push("frame-ancestors 'none'");
  return parts.join('; ');
}

const config = JSON.parse(readFileSync(configPath, 'utf8'));
const indexPath = path.join(dist, 'index.html');
let html = readFileSync(indexPath, 'utf8');
// A release build has index.html.gz beside index.html (scripts/compress.mjs).
const precompressed = existsSync(`${indexPath}.gz`) || existsSync(`${indexPath}.br`);

for (const f of readdirSync(dist)) if (/^boot-[0-9a-f]{16}\.js$/.test(f)) removeFile(path.join(dist, f));
const inline = html.match(/<script type="module">([\s\S]*?)<\/script>/);
if (inline) {
  const code = inline[1].trim() + '\n';
  const name = `boot-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  writeFileSync(path.join(dist, name), code);
  if (precompressed) compressFile(path.join(dist, name));
  html = html.replace(inline[0], `<script type="module" src="./${name}"></script>`);
}
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) {
  console.error('harden: an inline script remains in index.html; the CSP would block it');
  process.exit(1);
}
html = html.replace(/<base href="[^"]*">/, `<base href="${base}">`);
html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
html = html.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="${policy(config, { header: false })}">`);
writeFileSync(indexPath, html);
if (precompressed) compressFile(indexPath);
console.log(policy(config, { header: true }));
