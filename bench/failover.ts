// The failover scenarios of docs/reliability.md at full length: the tests run a shorter, still meaningful load in
// `npm test`; here the Kafka leader failover sends 20,000 messages and each Redis failover scenario writes for 20 s.
// Each test prints its `FIGURES {...}` lines; this file forwards them and fails when a test fails.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = [
  { file: 'tests/integration/kafka-failover.int.test.ts', env: { KAFKA_FAILOVER_SENDS: process.env.KAFKA_FAILOVER_SENDS ?? '20000' } },
  { file: 'tests/integration/redis-failover.int.test.ts', env: { REDIS_FAILOVER_LOAD_MS: process.env.REDIS_FAILOVER_LOAD_MS ?? '20000' } },
];

let failed = 0;
for (const run of runs) {
  process.stdout.write(`failover: ${run.file} with ${Object.entries(run.env).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  const result = spawnSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--project', 'integration', run.file], {
    cwd: root,
    env: { ...process.env, ...run.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes('FIGURES ') || /Tests\s+\d/.test(line));
  for (const line of lines) process.stdout.write(`  ${line.replace(/\x1b\[[0-9;]*m/g, '').trim()}\n`);
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`  FAILED (exit ${String(result.status)})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
