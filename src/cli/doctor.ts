import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from '../config/env.js';
import { loadConfig, type DbConfig } from '../config/index.js';
import { createDbContainer, PROVIDER_CLASSES } from '../container.js';
import { ConfigError, errorMessage, type ConfigIssue } from '../errors.js';
import type { DbProvider, HealthStatus } from '../lifecycle/types.js';
import { createLogger } from '../providers/logger.js';
import { parseOptions, TIMEOUT_USAGE_ERROR, timeoutOption, wantsHelp } from './options.js';

/** One provider's line in the doctor's table. */
export interface DoctorRow {
  readonly provider: string;
  /** Where it connects, without credentials. */
  readonly target?: string;
  readonly tls?: boolean;
  readonly status: 'up' | 'down' | 'not_configured' | 'config_error';
  readonly latencyMs?: number;
  readonly error?: string;
}

/** The variables that make a provider configured, named when none is. */
const CONFIGURING_VARIABLES = ['REDIS_URL', 'REDIS_HOST', 'KAFKA_SERVICE_URI', 'DATABASE_URL_ONLINE', 'MONGODB_URL', 'ALGOLIA_APP_ID', 'ELASTIC_NODE', 'ELASTIC_CLOUD_ID'];

/** What `ratecreator-db doctor` found. */
export interface DoctorResult {
  /** True when there is no configuration error, at least one provider is configured, and every configured one is up. */
  readonly ok: boolean;
  /** True when no provider is configured at all (an empty or missing environment): nothing was checked. */
  readonly nothingConfigured: boolean;
  readonly configIssues: readonly ConfigIssue[];
  readonly rows: readonly DoctorRow[];
}

type Section = 'redis' | 'kafka' | 'prisma' | 'mongo' | 'algolia' | 'elasticsearch' | 'cache';

/** Which provider sections a variable belongs to (DATABASE_URL_ONLINE feeds both Prisma and the driver). */
function sectionsOf(variable: string): Section[] {
  // The cache's Redis tier and bus use the Redis settings.
  if (variable.startsWith('REDIS_')) return ['redis', 'cache'];
  if (variable.startsWith('CACHE_')) return ['cache'];
  if (variable.startsWith('KAFKA_')) return ['kafka'];
  if (variable.startsWith('MONGODB_')) return ['mongo'];
  if (variable.startsWith('PRISMA_')) return ['prisma'];
  if (variable.includes('ALGOLIA_')) return ['algolia'];
  if (variable.startsWith('ELASTIC_')) return ['elasticsearch'];
  if (variable.startsWith('DATABASE_URL')) return ['prisma', 'mongo'];
  return [];
}

function prismaUsesTls(url: string): boolean {
  return url.startsWith('mongodb+srv:') || /[?&](tls|ssl)=true/i.test(url);
}

function describe(config: DbConfig, section: Section): { target?: string; tls?: boolean } {
  switch (section) {
    case 'redis':
    case 'cache':
      return config.redis ? { target: config.redis.target, tls: config.redis.tls !== undefined } : {};
    case 'kafka':
      return config.kafka ? { target: config.kafka.target, tls: config.kafka.tls !== undefined } : {};
    case 'mongo':
      return config.mongo ? { target: config.mongo.target, tls: config.mongo.tls !== undefined } : {};
    case 'prisma':
      return config.prisma ? { target: config.prisma.target, tls: prismaUsesTls(config.prisma.url) } : {};
    case 'algolia':
      return config.algolia
        ? { target: config.algolia.target, tls: (config.algolia.hosts ?? []).every((host) => host.protocol !== 'http') }
        : {};
    case 'elasticsearch':
      return config.elasticsearch ? { target: config.elasticsearch.target, tls: config.elasticsearch.tls !== undefined } : {};
  }
}

/**
 * Validates the configuration (every error at once), then connects and pings each configured provider under
 * `timeoutMs`. Sections with configuration errors are reported, not probed; the others are probed anyway.
 */
export async function runDoctor(env: Env, timeoutMs = 5000): Promise<DoctorResult> {
  let configIssues: readonly ConfigIssue[] = [];
  let config: DbConfig;
  const broken = new Set<Section>();
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configIssues = error.issues;
    for (const issue of configIssues) for (const section of sectionsOf(issue.variable)) broken.add(section);
    const usable = Object.fromEntries(
      Object.entries(env).filter(([name]) => !sectionsOf(name).some((section) => broken.has(section))),
    );
    // Anything still invalid here is outside the provider sections (general settings): fall back to defaults.
    try {
      config = loadConfig(usable);
    } catch {
      config = loadConfig({});
    }
  }

  const container = createDbContainer({ config, logger: createLogger({ level: 'silent' }) });
  const nested = await Promise.all(
    PROVIDER_CLASSES.map(async (Provider): Promise<DoctorRow | DoctorRow[]> => {
      const provider = container.resolve<DbProvider<unknown> & { isConfigured: boolean }>(Provider);
      const section = (provider.name === 'mongodb' ? 'mongo' : provider.name) as Section;
      if (broken.has(section)) return { provider: provider.name, status: 'config_error', error: 'see configuration errors' };
      if (!provider.isConfigured) return { provider: provider.name, status: 'not_configured' };
      const info = describe(config, section);
      const started = performance.now();
      try {
        // connect()'s own timeout stops the attempt (and its retries), not only the wait for it.
        await provider.connect({ timeoutMs });
        const health = await provider.health({ timeoutMs });
        // The cache: one row for its Redis tier, one for its bus (cache.redis, cache.bus).
        if (health.components) return health.components.filter((part) => part.status !== 'not_configured').map((part) => componentRow(part, info));
        const status = health.status === 'up' ? 'up' : 'down';
        return { provider: provider.name, ...info, status, latencyMs: Math.round(performance.now() - started), ...(health.error ? { error: health.error } : {}) };
      } catch (error) {
        return { provider: provider.name, ...info, status: 'down', latencyMs: Math.round(performance.now() - started), error: errorMessage(error) };
      }
    }),
  );
  await container.dispose();
  const rows = nested.flat();
  const nothingConfigured = rows.every((row) => row.status === 'not_configured');
  const ok = !nothingConfigured && configIssues.length === 0 && rows.every((row) => row.status === 'up' || row.status === 'not_configured');
  return { ok, nothingConfigured, configIssues, rows };
}

function componentRow(part: HealthStatus, info: { target?: string; tls?: boolean }): DoctorRow {
  const status = part.status === 'up' ? 'up' : 'down';
  return { provider: part.provider, ...info, status, latencyMs: part.latencyMs, ...(part.error ? { error: part.error } : {}) };
}

/** The result as a plain-text report. */
export function formatDoctor(result: DoctorResult): string {
  const lines: string[] = [];
  if (result.configIssues.length > 0) {
    lines.push('Configuration errors:', ...result.configIssues.map((issue) => `  - ${issue.variable}: ${issue.expected}`), '');
  }
  const table = [
    ['provider', 'target', 'tls', 'status', 'latency', 'error'],
    ...result.rows.map((row) => [
      row.provider,
      row.target ?? '-',
      row.tls === undefined ? '-' : row.tls ? 'on' : 'off',
      row.status,
      row.latencyMs === undefined ? '-' : `${row.latencyMs} ms`,
      row.error ?? '',
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  for (const cells of table) lines.push(cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  if (result.nothingConfigured) {
    lines.push('', `No provider is configured: set at least one of ${CONFIGURING_VARIABLES.join(', ')} (see .env.example).`);
  } else {
    lines.push('', result.ok ? 'All configured providers are up.' : 'Some providers are down or misconfigured.');
  }
  return lines.join('\n');
}

/** Reads `.env` from `cwd` when present; variables already in the environment win. */
export function readEnvWithDotenv(env: Env, cwd: string): Env {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}

/** What `ratecreator-db doctor --help` prints. */
export const DOCTOR_USAGE = `usage: ratecreator-db doctor [--json] [--timeout-ms <ms>]

Checks the configuration in the environment (and in .env in the working directory when present; variables already
set win), reporting every configuration error at once, then connects to each configured provider (Redis, Kafka,
Prisma, MongoDB, Algolia, Elasticsearch, and the cache's Redis tier and bus: TLS handshake, authentication, ping)
and prints one row per provider (two for the cache: cache.redis, cache.bus): target without credentials, TLS on or
off, status, latency, error. No secret is printed.

options:
  --json             print the result as JSON
  --timeout-ms <ms>  time allowed to each provider's connect and ping (default 5000)
  -h, --help         print this help and exit 0

exit codes:
  0  every configured provider is up (and at least one is configured)
  1  a provider is down, the configuration has errors, or no provider is configured
  2  usage error
`;

/** `ratecreator-db doctor [--json] [--timeout-ms N]`; resolves to the exit code. */
export async function doctorCommand(args: readonly string[], io: { env: Env; cwd: string; write: (text: string) => void }): Promise<number> {
  if (wantsHelp(args)) {
    io.write(DOCTOR_USAGE);
    return 0;
  }
  const parsed = parseOptions(args, { flags: ['--json'], values: ['--timeout-ms'] });
  if (!parsed.ok) {
    io.write(`${parsed.error}\n${DOCTOR_USAGE}`);
    return 2;
  }
  const json = parsed.flags.has('--json');
  const timeoutMs = timeoutOption(parsed.values, 5000);
  if (timeoutMs === undefined) {
    io.write(`${TIMEOUT_USAGE_ERROR}\n${DOCTOR_USAGE}`);
    return 2;
  }
  const result = await runDoctor(readEnvWithDotenv(io.env, io.cwd), timeoutMs);
  io.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatDoctor(result)}\n`);
  return result.ok ? 0 : 1;
}
