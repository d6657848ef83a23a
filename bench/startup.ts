// Process start-up: wall time, CPU time and RSS of `node <script>`, over interleaved rounds.
// The package is compared with the baseline round by round (the two run back to back, in alternating order), and
// the median of those paired differences is reported: steadier than a difference of medians on a shared machine
// whose speed drifts during the run. The time to the script's last line, measured inside each process, leaves out
// spawning and exiting, and varies least.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report, round } from './util.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 61);
const scripts = { bare: null, baseline: 'baseline.mjs', package: 'package.mjs', eager: 'eager.mjs' } as const;
type Sample = { ms: number; ready: number; cpu: number; mib: number };
const samples: Record<string, Sample[]> = {};

function run(file: string | null): Sample {
  const args = file
    ? [fileURLToPath(new URL(`./startup/${file}`, import.meta.url))]
    : ['-e', 'const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ readyMs: performance.now(), cpuMs: (c.user + c.system) / 1000, rss: process.memoryUsage().rss }))'];
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${file ?? 'bare'} failed: ${result.stderr}`);
  const { rss, cpuMs, readyMs } = JSON.parse(result.stdout) as { rss: number; cpuMs: number; readyMs: number };
  return { ms, ready: readyMs, cpu: cpuMs, mib: rss / 2 ** 20 };
}

for (let round = 0; round < RUNS + 1; round++) {
  // The heavy eager script runs first, then bare node, so neither compared script ever follows the eager one (a
  // process started right after an 80 MiB one runs slower); the compared pair alternates its order.
  const pair: (keyof typeof scripts)[] = round % 2 ? ['package', 'baseline'] : ['baseline', 'package'];
  for (const name of ['eager', 'bare', ...pair] as const) {
    const file = scripts[name];
    const sample = run(file);
    if (round > 0) (samples[name] ??= []).push(sample); // round 0 warms the file cache
  }
}

const pick = (name: string, key: keyof Sample) => samples[name]!.map((s) => s[key]);
for (const name of Object.keys(scripts)) {
  report(`startup:${name}`, {
    medianWallMs: round(median(pick(name, 'ms')), 1),
    medianCpuMs: round(median(pick(name, 'cpu')), 1),
    medianRssMiB: round(median(pick(name, 'mib')), 1),
    runs: RUNS,
  });
}
const paired = (key: keyof Sample) => samples.package!.map((s, i) => s[key] - samples.baseline![i]![key]);
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${round(sorted[Math.floor(sorted.length / 4)]!, 1)}..${round(sorted[Math.floor((sorted.length * 3) / 4)]!, 1)}`;
};
report('startup:package-vs-baseline', {
  extraWallMs: round(median(paired('ms')), 1),
  extraWallMsIQR: quartiles(paired('ms')),
  // From process start to the script's last line, measured inside the process: no spawn, no exit.
  extraReadyMs: round(median(paired('ready')), 1),
  extraCpuMs: round(median(paired('cpu')), 1),
  extraRssMiB: round(median(paired('mib')), 1),
});
