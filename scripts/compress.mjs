#!/usr/bin/env node
// Precompresses a release build for a static host: writes FILE.br (brotli, quality 11) and
// FILE.gz (gzip -9) beside every file (subdirectories too), with Node's own zlib. nginx serves
// them with brotli_static and gzip_static (deploy/nginx.conf.template).
//
//   node scripts/compress.mjs DIST        (scripts/build-ondemand.sh runs it on a release build)
//
// Not config.json: operators replace it on the server, and a .br or .gz left beside it would
// be served in its place, stale (nginx never compares them). It is small and nginx gzips it on
// the fly. index.html is compressed, and scripts/harden.mjs, which rewrites it, compresses it
// again (compressFile): anyone who edits index.html by hand must run harden.mjs or delete
// index.html.br and index.html.gz.
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files never precompressed (by name, in the top directory): see above. */
export const NOT_COMPRESSED = ['config.json'];

export const brotli = (buf) =>
  brotliCompressSync(buf, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  });
export const gzip = (buf) => gzipSync(buf, { level: 9 });

/** Writes FILE.br and FILE.gz beside `file` (replacing any). */
export function compressFile(file) {
  const buf = readFileSync(file);
  writeFileSync(`${file}.br`, brotli(buf));
  writeFileSync(`${file}.gz`, gzip(buf));
}

/** Removes FILE, FILE.br and FILE.gz. */
export function removeFile(file) {
  for (const f of [file, `${file}.br`, `${file}.gz`]) rmSync(f, { force: true });
}

/** Every file under `dir` (relative paths), but the compressed copies themselves. */
export function assets(dir, sub = '') {
  return readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(sub, e.name);
    if (e.isDirectory()) return assets(dir, rel);
    return /\.(br|gz)$/.test(e.name) ? [] : [rel];
  });
}

/** Compresses every asset of `dir`; removes a stale .br/.gz beside config.json. */
export function compressDir(dir) {
  const done = [];
  for (const rel of assets(dir)) {
    if (NOT_COMPRESSED.includes(rel)) {
      rmSync(path.join(dir, `${rel}.br`), { force: true });
      rmSync(path.join(dir, `${rel}.gz`), { force: true });
      continue;
    }
    compressFile(path.join(dir, rel));
    done.push(rel);
  }
  return done;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) { console.error('usage: node scripts/compress.mjs DIST'); process.exit(2); }
  const done = compressDir(dir);
  console.log(`compress: ${done.length} files in ${dir} have a .br and a .gz beside them (not ${NOT_COMPRESSED.join(', ')})`);
}
