// Builds the live page into dist/. The page is static HTML + one ES module, no framework yet;
// the seed's page names are kept as aliases so old bookmarks land on the live view.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(here, 'src'), dist, { recursive: true });
const redirect = (to) =>
  `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${to}"><title>Fleetscope</title><a href="${to}">Fleetscope</a>\n`;
for (const page of ['analytics-dashboard.html', 'mobile-dashboard.html', 'index-enhanced.html']) {
  writeFileSync(join(dist, page), redirect('/'));
}
console.log(`dashboard built into ${dist}`);
