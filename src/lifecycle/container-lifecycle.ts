import type { Logger } from 'pino';
import { errorMessage, TimeoutError } from '../errors.js';
import { flushLogger } from '../providers/logger.js';
import { withTimeout } from './timeout.js';
import { DISPOSE_PHASES, type DisposalReport, type ProviderDisposal, type Shutdownable } from './types.js';

/** Extra time the coordinator grants a member past its budget before it stops waiting for it. */
const MEMBER_GRACE_MS = 50;
/** Time the final log flush may take. */
const LOG_FLUSH_MS = 500;

/**
 * The disposal state of one container: which members were built, whether shutdown has begun, and the
 * phased, deadline-bounded, failure-isolated disposal itself. One per container.
 */
export class ContainerLifecycle {
  readonly #members = new Set<Shutdownable>();
  #shuttingDown = false;
  readonly #disposing = new AbortController();
  #disposal: Promise<DisposalReport> | undefined;
  #lastReport: DisposalReport | undefined;

  constructor(
    /** Deadline of the whole disposal. */
    readonly shutdownTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** True from the first shutdown signal or disposal call on: health answers `shutting_down`. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * True once disposal began (not during a shutdown hook's drain period, when requests in flight still use the
   * clients): from then on every provider refuses to hand out a client.
   */
  get disposing(): boolean {
    return this.#disposing.signal.aborted;
  }

  /** Aborted when disposal begins, before any member closes: pending `connect()` calls and retries stop on it. */
  get disposalSignal(): AbortSignal {
    return this.#disposing.signal;
  }

  /** The report of the disposal, once it has finished. */
  get lastReport(): DisposalReport | undefined {
    return this.#lastReport;
  }

  /** Flips health to `shutting_down` without closing anything yet. */
  beginShutdown(): void {
    this.#shuttingDown = true;
  }

  /** Registers a member to close on disposal; members are tracked when they are constructed. */
  track(member: Shutdownable): void {
    this.#members.add(member);
  }

  /** Disposes every tracked member once; later calls return the same promise. Never rejects. */
  dispose(timeoutMs = this.shutdownTimeoutMs): Promise<DisposalReport> {
    this.#disposal ??= this.#run(timeoutMs);
    return this.#disposal;
  }

  async #run(timeoutMs: number): Promise<DisposalReport> {
    this.#shuttingDown = true;
    this.#disposing.abort();
    const started = Date.now();
    const deadline = started + timeoutMs;
    const rows: ProviderDisposal[] = [];
    for (const phase of DISPOSE_PHASES) {
      const members = [...this.#members].filter((member) => member.disposePhase === phase);
      rows.push(...(await Promise.all(members.map((member) => this.#closeOne(member, deadline)))));
    }
    const report: DisposalReport = Object.freeze({
      ok: rows.every((row) => row.status === 'closed' || row.status === 'not_initialized'),
      startedAt: new Date(started).toISOString(),
      ms: Date.now() - started,
      deadlineMs: timeoutMs,
      providers: Object.freeze(rows),
    });
    this.#lastReport = report;
    if (report.ok) this.logger.info({ disposal: report }, 'container disposed');
    else this.logger.warn({ disposal: report }, 'container disposed with failures');
    // A destination blocked on a full pipe must not hold the process past its deadline.
    await withTimeout(() => flushLogger(this.logger), LOG_FLUSH_MS, 'log flush').catch(() => undefined);
    return report;
  }

  async #closeOne(member: Shutdownable, deadline: number): Promise<ProviderDisposal> {
    const started = Date.now();
    const budget = Math.max(0, deadline - started);
    try {
      // withTimeout caps the sum at Node's timer limit: a budget near DB_SHUTDOWN_TIMEOUT_MS's cap must not overflow.
      return await withTimeout(() => member.shutdown(budget), budget + MEMBER_GRACE_MS, `${member.name} disposal`);
    } catch (error) {
      return {
        provider: member.name,
        phase: member.disposePhase,
        status: error instanceof TimeoutError ? 'timed_out' : 'failed',
        ms: Date.now() - started,
        error: errorMessage(error),
      };
    }
  }
}
