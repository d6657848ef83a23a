// Process start-up: wall time and RSS of `node <script>`, medians over interleaved runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report, round } from './util.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const scripts = { bare: null, baseline: 'baseline.mjs', package: 'package.mjs', eager: 'eager.mjs' } as const;
const samples: Record<string, { ms: number[]; cpu: number[]; rss: number[] }> = {};

for (let run = 0; run < RUNS + 1; run++) {
  for (const [name, file] of Object.entries(scripts)) {
    const args = file ? [fileURLToPath(new URL(`./startup/${file}`, import.meta.url))] : ['-e', 'const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, rss: process.memoryUsage().rss }))'];
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
    if (run === 0) continue; // warm the file cache
    const { rss, cpuMs } = JSON.parse(result.stdout) as { rss: number; cpuMs: number };
    const sample = (samples[name] ??= { ms: [], cpu: [], rss: [] });
    sample.ms.push(ms);
    sample.cpu.push(cpuMs);
    sample.rss.push(rss / 2 ** 20);
  }
}

// Wall time suffers from whatever else the machine runs; the child's own CPU time much less so.
const m = (name: string) => ({ ms: median(samples[name]!.ms), cpu: median(samples[name]!.cpu), mib: median(samples[name]!.rss) });
const base = m('baseline');
const pkg = m('package');
for (const name of Object.keys(scripts)) {
  report(`startup:${name}`, { medianWallMs: round(m(name).ms, 1), medianCpuMs: round(m(name).cpu, 1), medianRssMiB: round(m(name).mib, 1), runs: RUNS });
}
report('startup:package-vs-baseline', {
  extraWallMs: round(pkg.ms - base.ms, 1),
  extraCpuMs: round(pkg.cpu - base.cpu, 1),
  extraRssMiB: round(pkg.mib - base.mib, 1),
});
