// resolve() of a built provider against a bare tsyringe singleton resolve, interleaved rounds in one process.
import 'reflect-metadata';
import { container, injectable } from 'tsyringe';
import { createDbContainer, RedisProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { median, report, round } from './util.js';

@injectable()
class Bare {}

const ITERATIONS = 1_000_000;
const ours = createDbContainer({ env: { REDIS_HOST: '127.0.0.1' }, logger: createLogger({ level: 'silent' }) });
ours.resolve(RedisProvider);
const bare = container.createChildContainer();
bare.registerSingleton(Bare);
bare.resolve(Bare);

function nsPerOp(resolve: () => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) resolve();
  return Number(process.hrtime.bigint() - started) / ITERATIONS;
}

const samples = { ours: [] as number[], bare: [] as number[] };
for (let round_ = 0; round_ < 9; round_++) {
  samples.bare.push(nsPerOp(() => bare.resolve(Bare)));
  samples.ours.push(nsPerOp(() => ours.resolve(RedisProvider)));
}
const o = median(samples.ours.slice(1));
const b = median(samples.bare.slice(1));
report('resolve', { providerNsPerOp: round(o, 1), bareNsPerOp: round(b, 1), ratio: round(o / b, 3) });
await ours.dispose();
