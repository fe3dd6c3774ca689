// npm run bench -- <scenario> [--quick]
const [scenario, ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');
const scenarios = {
  ingest: () => import('./scenarios/ingest.mjs'),
  pipeline: () => import('./scenarios/pipeline.mjs'),
  query: () => import('./scenarios/query.mjs'),
  alert: () => import('./scenarios/alert.mjs'),
  storage: () => import('./scenarios/storage.mjs'),
  live: () => import('./scenarios/live.mjs'),
  'kafka-client': () => import('./scenarios/kafka-client.mjs'),
  dashboard: () => import('./scenarios/dashboard.mjs'),
};
if (!scenario || !scenarios[scenario]) {
  console.error(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}> [--quick]`);
  process.exit(2);
}
const mod = await scenarios[scenario]();
await mod.run({ quick });
process.exit(0);
