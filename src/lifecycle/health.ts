import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { errorMessage } from '../errors.js';
import { lifecycleOf } from '../container.js';
import { PROVIDER_ALIASES } from '../tokens.js';
import { DEFAULT_HEALTH_TIMEOUT_MS } from './lazy-provider.js';
import type { DbProvider, HealthStatus } from './types.js';

/** Options of {@link checkHealth}. */
export interface CheckHealthOptions {
  /** Per-provider probe timeout; providers are probed in parallel. @default 2000 */
  readonly timeoutMs?: number;
  /** Also connect configured providers that were never used (a start-up or doctor check). @default false */
  readonly probeUnused?: boolean;
}

/** The container's health: every provider, an overall status and the HTTP status a readiness endpoint should send. */
export interface ContainerHealth {
  /** `up` when no provider is down; `down` otherwise; `shutting_down` once shutdown began. */
  readonly status: 'up' | 'down' | 'shutting_down';
  /** 200 when `up`, 503 otherwise. */
  readonly httpStatus: 200 | 503;
  readonly providers: readonly HealthStatus[];
}

/**
 * Probes every provider of a container made by `createDbContainer` (fakes included) in parallel.
 * Unused providers report `not_initialized` and are not built unless `probeUnused` is set; unconfigured ones
 * report `not_configured`; neither makes the container unhealthy. Never throws for an outage.
 */
export async function checkHealth(container: DependencyContainer, options: CheckHealthOptions = {}): Promise<ContainerHealth> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (lifecycleOf(container).shuttingDown) return { status: 'shutting_down', httpStatus: 503, providers: [] };
  // Through the realm-wide aliases: the same providers as the classes, also for a container an earlier evaluation of
  // the package made (see PROVIDER_ALIASES).
  // The cache last; its row carries its Redis tier and bus as `components`. A container made by an evaluation of the
  // package that had no cache provider does not register it.
  const providers = (Object.values(PROVIDER_ALIASES) as InjectionToken<DbProvider<unknown>>[])
    .filter((alias) => container.isRegistered(alias, true))
    .map((alias) => container.resolve<DbProvider<unknown>>(alias));
  const statuses = await Promise.all(providers.map((provider) => probe(provider, timeoutMs, options.probeUnused === true)));
  const shuttingDown = statuses.some((s) => s.status === 'shutting_down') || lifecycleOf(container).shuttingDown;
  const down = statuses.some((s) => s.status === 'down');
  const status = shuttingDown ? 'shutting_down' : down ? 'down' : 'up';
  return { status, httpStatus: status === 'up' ? 200 : 503, providers: statuses };
}

async function probe(provider: DbProvider<unknown>, timeoutMs: number, probeUnused: boolean): Promise<HealthStatus> {
  const first = await provider.health({ timeoutMs });
  if (!probeUnused || first.status !== 'not_initialized') return first;
  const started = performance.now();
  try {
    // The timeout stops the attempt and its retries: nothing keeps dialling after the answer was given.
    await provider.connect({ timeoutMs });
  } catch (error) {
    return { provider: provider.name, status: 'down', latencyMs: Math.round(performance.now() - started), error: errorMessage(error) };
  }
  return provider.health({ timeoutMs });
}
