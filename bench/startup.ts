// Process start-up: wall time and RSS of `node <script>`, medians over interleaved runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report, round } from './util.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const scripts = { bare: null, baseline: 'baseline.mjs', package: 'package.mjs', eager: 'eager.mjs' } as const;
const samples: Record<string, { ms: number[]; rss: number[] }> = {};

for (let run = 0; run < RUNS + 1; run++) {
  for (const [name, file] of Object.entries(scripts)) {
    const args = file ? [fileURLToPath(new URL(`./startup/${file}`, import.meta.url))] : ['-e', 'process.stdout.write(JSON.stringify({rss: process.memoryUsage().rss}))'];
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
    if (run === 0) continue; // warm the file cache
    const { rss } = JSON.parse(result.stdout) as { rss: number };
    (samples[name] ??= { ms: [], rss: [] }).ms.push(ms);
    samples[name].rss.push(rss / 2 ** 20);
  }
}

const m = (name: string) => ({ ms: median(samples[name]!.ms), mib: median(samples[name]!.rss) });
const base = m('baseline');
const pkg = m('package');
for (const name of Object.keys(scripts)) report(`startup:${name}`, { medianMs: round(m(name).ms, 1), medianRssMiB: round(m(name).mib, 1), runs: RUNS });
report('startup:package-vs-baseline', { extraMs: round(pkg.ms - base.ms, 1), extraRssMiB: round(pkg.mib - base.mib, 1) });
