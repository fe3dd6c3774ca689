// Runs a test tier with Node's test runner over the compiled output.
//   unit:        libs/*/dist/**/*.spec.js, apps/*/dist/**/*.spec.js  (no services needed)
//   integration: test/dist/integration/*.test.js (real Kafka, PostgreSQL, processes)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tier = process.argv[2];
const root = new URL('..', import.meta.url).pathname;

function walk(dir, match, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, match, out);
    else if (match(name)) out.push(p);
  }
  return out;
}

let files;
let concurrency;
if (tier === 'unit') {
  files = ['libs', 'apps'].flatMap((top) =>
    readdirSync(join(root, top)).flatMap((pkg) =>
      walk(join(root, top, pkg, 'dist'), (n) => n.endsWith('.spec.js')),
    ),
  );
  concurrency = 2;
} else if (tier === 'integration') {
  files = walk(join(root, 'test', 'dist', 'integration'), (n) => n.endsWith('.test.js'));
  const only = process.env.TEST_FILTER;
  if (only) files = files.filter((f) => f.includes(only));
  // One file at a time: each starts its own api/worker processes on a 2-core machine.
  concurrency = 1;
} else {
  console.error('usage: run-tests.mjs unit|integration');
  process.exit(2);
}
if (files.length === 0) {
  console.error(`no ${tier} test files found: did the build run?`);
  process.exit(1);
}
mkdirSync(join(root, 'test-results'), { recursive: true });
const r = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs fails after 10 minutes, and a file whose tests are done exits even if
    // a leaked handle (a socket left open by a failure) would keep it alive: CI never waits
    // forever on one file.
    '--test-timeout=600000',
    '--test-force-exit',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${join(root, 'test-results', `${tier}.tap`)}`,
    ...files.sort(),
  ],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
