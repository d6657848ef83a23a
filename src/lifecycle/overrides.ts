import type { InjectionToken } from 'tsyringe';
import { errorMessage, TimeoutError } from '../errors.js';
import { withTimeout } from './timeout.js';
import type { DisposePhase, ProviderDisposal, Shutdownable } from './types.js';

interface Disposable {
  dispose(): unknown;
  readonly name?: unknown;
  readonly disposePhase?: unknown;
}

function isShutdownable(value: unknown): value is Shutdownable {
  return typeof (value as Shutdownable | null)?.shutdown === 'function' && typeof (value as Shutdownable).name === 'string';
}

function isDisposable(value: unknown): value is Disposable {
  return typeof (value as Disposable | null)?.dispose === 'function';
}

function tokenName(token: InjectionToken<unknown>): string {
  if (typeof token === 'function') return token.name;
  return String(token);
}

/**
 * Makes an override that can be closed (a fake provider, anything with `dispose()`) a disposal member.
 * Values without `dispose()` are not closed: they belong to the caller.
 */
export function adaptOverride(token: InjectionToken<unknown>, value: unknown): Shutdownable | undefined {
  if (isShutdownable(value)) return value;
  if (!isDisposable(value)) return undefined;
  const name = typeof value.name === 'string' ? value.name : tokenName(token);
  const disposePhase = (typeof value.disposePhase === 'string' ? value.disposePhase : 'stores') as DisposePhase;
  let result: Promise<ProviderDisposal> | undefined;
  return {
    name,
    disposePhase,
    shutdown(budgetMs) {
      result ??= (async () => {
        const started = Date.now();
        try {
          await withTimeout(() => value.dispose(), budgetMs, `${name} dispose`);
          return { provider: name, phase: disposePhase, status: 'closed', ms: Date.now() - started };
        } catch (error) {
          const status = error instanceof TimeoutError ? 'timed_out' : 'failed';
          return { provider: name, phase: disposePhase, status, ms: Date.now() - started, error: errorMessage(error) };
        }
      })();
      return result;
    },
  };
}
