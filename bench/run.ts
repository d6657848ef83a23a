// Runs every bench/*.ts (except this file and util.ts) in its own process, in order, and prints their results.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && file !== 'util.ts')
  .sort();
// A name picks its own file when there is one (`startup` runs startup.ts, not bundled-startup.ts too), otherwise
// every file whose name contains it (`kafka`).
const files = all.filter(
  (file) => only.length === 0 || only.some((name) => (all.includes(`${name}.ts`) ? file === `${name}.ts` : file.includes(name))),
);
let failed = 0;
for (const file of files) {
  process.stderr.write(`# ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
