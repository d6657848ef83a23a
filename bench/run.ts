// Runs every bench/*.ts (except this file and the shared modules: util.ts, child.ts and the *-child.ts servers) in its own process, in order, and prints their results.
// The long ones run last, after every quick bench has reported: elasticsearch.ts (a real Elasticsearch node: its start
// and about two minutes of indexing and search), failover.ts (the failover tests at full length, several minutes) and
// then the soak (soak.ts, SOAK_SECONDS, default 60). `node --import tsx bench/run.ts soak` (npm run bench:soak) runs it alone.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
/** Long-running benches, in the order they run after all the others. */
const LAST = ['elasticsearch.ts', 'failover.ts', 'soak.ts'];
const only = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && !['run.ts', 'util.ts', 'child.ts'].includes(file) && !file.endsWith('-child.ts'))
  .sort((a, b) => LAST.indexOf(a) - LAST.indexOf(b) || (a < b ? -1 : a > b ? 1 : 0));
// A name picks its own file when there is one (`startup` runs startup.ts, not bundled-startup.ts too), otherwise
// every file whose name contains it (`kafka`).
const files = all.filter(
  (file) => only.length === 0 || only.some((name) => (all.includes(`${name}.ts`) ? file === `${name}.ts` : file.includes(name))),
);
let failed = 0;
for (const file of files) {
  process.stderr.write(`# ${file}${file === 'soak.ts' ? ` (${process.env.SOAK_SECONDS ?? 60} s; SOAK_SECONDS sets it)` : ''}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
