// Measures what a first visit downloads: the JavaScript index.html loads before anything
// else (the entry and its static imports), gzipped. Fails the build above the budget.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set();
for (const m of html.matchAll(
  /<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g,
))
  initial.add(m[1]);
// Static imports of the entry are loaded at once too; follow them.
const queue = [...initial];
while (queue.length) {
  const file = queue.pop();
  const code = readFileSync(join(dist, file), 'utf8');
  for (const m of code.matchAll(
    /(?:^|[;\n])import\s*(?:[\w{}*,\s$]+from\s*)?["']\.\/([^"']+\.js)["']/g,
  )) {
    const dep = `assets/${m[1]}`;
    if (!initial.has(dep)) {
      initial.add(dep);
      queue.push(dep);
    }
  }
}
const gz = (f) => gzipSync(readFileSync(join(dist, f))).length;
const rows = [...initial].map((f) => ({ file: f, gzip_bytes: gz(f) }));
const total = rows.reduce((s, r) => s + r.gzip_bytes, 0);
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const lazyTotal = all
  .filter((f) => !initial.has(`assets/${f}`))
  .reduce((s, f) => s + gz(`assets/${f}`), 0);
const report = {
  initial_js_gzip_bytes: total,
  budget_bytes: BUDGET_KB * 1024,
  initial: rows,
  lazy_js_gzip_bytes: lazyTotal,
};
writeFileSync(join(dist, 'bundle-report.json'), JSON.stringify(report, null, 2));
console.log(
  `initial JavaScript: ${(total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_KB} KB) in ${rows.length} files; lazy views ${(lazyTotal / 1024).toFixed(1)} KB gzip`,
);
if (total > BUDGET_KB * 1024) {
  console.error(`initial JavaScript is over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
