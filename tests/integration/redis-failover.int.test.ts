import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { Redis as RawRedis, type Cluster, type Redis } from 'ioredis';
import { redisCli } from '../../scripts/servers/redis.js';
import { roleOf, startFailoverCluster, startSentinelFailover, waitUntil } from '../../scripts/servers/redis-failover.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';
import { timeUntilSuccess } from '../helpers/toxiproxy.js';
import { startToxiproxy } from '../../scripts/servers/toxiproxy.js';

/**
 * Issue 12, scenarios 2 and 3: a primary SIGKILLed under write load, behind Sentinel and in a Redis Cluster.
 * CI runs a short load; `REDIS_FAILOVER_LOAD_MS=20000` runs the full length. Figures are printed as `FIGURES {...}`.
 */
const LOAD_MS = Number(process.env.REDIS_FAILOVER_LOAD_MS ?? 6000);
const COMMAND_TIMEOUT_MS = 1000;
/** A command may finish this much after its timeout on two busy cores (timers fire late, not early). */
const LATENCY_MARGIN_MS = 2000;
/** Deadline guard: recovery taking longer than this is a failure, whatever the machine. */
const RECOVERY_DEADLINE_MS = 30_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latency, errors and success times of one class of commands. */
class Tally {
  maxLatencyMs = 0;
  ok = 0;
  readonly errors = new Map<string, number>();
  readonly successAt: number[] = [];

  async time<T>(command: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await command();
      this.ok++;
      this.successAt.push(performance.now());
      return value;
    } catch (error) {
      const message = (error as Error).message.replace(/\d+/g, 'N').slice(0, 80);
      this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
      throw error;
    } finally {
      this.maxLatencyMs = Math.max(this.maxLatencyMs, performance.now() - started);
    }
  }

  get errorCount(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }

  /** Whether a command succeeded after `at`. */
  succeededAfter(at: number): boolean {
    return this.successAt.some((t) => t > at);
  }

  /**
   * The stall: the longest gap between consecutive successes from the last one before `from` on (a reply that was
   * already on its way when the fault hit does not end the stall).
   */
  longestGapFrom(from: number): number {
    let gap = 0;
    let previous = this.successAt.filter((t) => t <= from).at(-1) ?? from;
    for (const t of this.successAt.filter((s) => s > from)) {
      gap = Math.max(gap, t - previous);
      previous = t;
    }
    return Math.round(gap);
  }

  summary(): Record<string, unknown> {
    return { ok: this.ok, errors: Object.fromEntries(this.errors), maxLatencyMs: Math.round(this.maxLatencyMs) };
  }
}

function sentinelContainer(setup: { name: string; sentinels: ReadonlyArray<{ port: number }> }, env: Record<string, string> = {}): DependencyContainer {
  const c = createDbContainer({
    env: {
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: setup.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: setup.name,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      DB_SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    },
    logger: captureLogs().logger,
  });
  cleanups.push(() => c.dispose());
  return c;
}

/** Subscribed client connections on the Sentinels (the failover detector's, as Sentinels subscribe elsewhere). */
/** A fresh Sentinel setup (stopped after the test) and a container connected to it through the provider. */
async function connectedSentinel(env: Record<string, string> = {}) {
  const setup = await startSentinelFailover();
  cleanups.push(() => setup.stop());
  const c = sentinelContainer(setup, env);
  const redis = c.resolve(RedisProvider);
  await redis.connect();
  return { setup, c, redis, client: redis.client as Redis, oldPrimary: setup.nodes[0]!.port };
}

async function subscribers(sentinels: ReadonlyArray<{ port: number }>): Promise<number> {
  const lists = await Promise.all(sentinels.map((s) => redisCli(s.port, ['client', 'list'])));
  return lists.join('\n').split('\n').filter((line) => / sub=[1-9]/.test(line)).length;
}

/** Keys that do not exist, of `keys`, asked in batches through `client`. */
async function missing(client: Redis, keys: readonly string[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const values = await client.mget(...keys.slice(i, i + 500));
    count += values.filter((v) => v === null).length;
  }
  return count;
}

/**
 * Writers on one client: each loops INCR of a shared counter then SET of a numbered key, and every `waitEvery`-th
 * writer follows its SET with `WAIT 1 200` and counts the key as replicated only when a replica acknowledged it.
 */
function sentinelLoad(client: Redis, tally: Tally, writers: number, stopped: () => boolean) {
  const incrValues: number[] = [];
  const acked: string[] = [];
  const ackedAt: number[] = [];
  const replicated: string[] = [];
  const run = async (id: number, useWait: boolean) => {
    for (let seq = 0; !stopped(); seq++) {
      const key = `fo:${useWait ? 'w' : 'k'}:${id}:${seq}`;
      try {
        if (!useWait) incrValues.push(await tally.time(() => client.incr('fo:counter')));
        await tally.time(() => client.set(key, '1'));
        acked.push(key);
        ackedAt.push(performance.now());
        if (useWait && Number(await tally.time(() => client.call('WAIT', '1', '200'))) >= 1) replicated.push(key);
      } catch {
        await sleep(20); // counted by the tally; do not spin while there is no primary
      }
    }
  };
  const done = Promise.all(Array.from({ length: writers }, (_, id) => run(id, id === writers - 1)));
  return { done, incrValues, acked, ackedAt, replicated };
}

describe('Redis Sentinel failover (1 primary, 2 replicas, 3 Sentinels, quorum 2)', () => {
  it('SIGKILL of the primary under load: writes resume on the promoted replica through the same client', async () => {
    const { setup, c, redis, client, oldPrimary } = await connectedSentinel();
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(oldPrimary)]);

    const tally = new Tally();
    let stop = false;
    const load = sentinelLoad(client, tally, 4, () => stop);
    const health: Array<{ at: number; status: string }> = [];
    const healthLoop = (async () => {
      while (!stop) {
        const at = performance.now();
        health.push({ at, status: (await checkHealth(c, { timeoutMs: 500 })).status });
        await sleep(150);
      }
    })();

    await sleep(Math.max(1500, LOAD_MS * 0.25));
    const killedAt = performance.now();
    await setup.node(oldPrimary).kill();
    const newPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    const promotedAt = performance.now();
    await waitUntil(async () => tally.succeededAfter(promotedAt), 'a write after the failover', RECOVERY_DEADLINE_MS).catch((error: Error) => {
      throw new Error(`${error.message}: client status ${client.status}, ${JSON.stringify(tally.summary())}`);
    });
    const recoveredAt = performance.now();
    const writtenOnRecovery = tally.ok;

    // The killed primary comes back empty and as a primary until Sentinel converts it; the client must not write
    // to it: it resolves the primary through Sentinel, which already names the promoted replica.
    await setup.node(oldPrimary).restart();
    const restartedKeys: number[] = [];
    await waitUntil(async () => {
      const role = await roleOf(oldPrimary);
      if (role === 'master') restartedKeys.push(Number((await redisCli(oldPrimary, ['dbsize'])).trim()));
      return role === 'slave';
    }, 'Sentinel to turn the restarted primary into a replica', RECOVERY_DEADLINE_MS);
    await sleep(Math.max(1000, LOAD_MS * 0.75 - (performance.now() - killedAt)));
    stop = true;
    await Promise.all([load.done, healthLoop]);

    // Same container, same client object, now on the primary the Sentinels name (the promoted replica; on a machine
    // so busy that a node misses down-after-milliseconds, Sentinel may have failed over once more since).
    const finalPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    expect(redis.client).toBe(client);
    expect(newPrimary).not.toBe(oldPrimary);
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(finalPrimary)]);
    expect(tally.ok).toBeGreaterThan(writtenOnRecovery);
    expect(restartedKeys.every((n) => n === 0)).toBe(true);
    expect([...tally.errors.keys()].filter((m) => m.startsWith('READONLY'))).toEqual([]);
    // No command waited past the command timeout (plus scheduling slack).
    expect(tally.maxLatencyMs).toBeLessThan(COMMAND_TIMEOUT_MS + LATENCY_MARGIN_MS);
    // Health went down during the switch and is up after it.
    expect(health.some((h) => h.at > killedAt && h.at < recoveredAt && h.status === 'down')).toBe(true);
    expect((await checkHealth(c, { timeoutMs: 2000 })).status).toBe('up');

    // Loss: INCR replies handed out twice mean increments acknowledged by the old primary were not replicated.
    const counter = Number(await client.get('fo:counter'));
    const duplicateIncrs = load.incrValues.length - new Set(load.incrValues).size;
    const lostKeys = await missing(client, load.acked.filter((k) => k.startsWith('fo:k:')));
    const waitKeys = load.acked.filter((k) => k.startsWith('fo:w:'));
    const lostWaitKeys = await missing(client, waitKeys);
    const lostReplicated = await missing(client, load.replicated);
    const stallMs = tally.longestGapFrom(killedAt);
    console.log(`FIGURES ${JSON.stringify({
      scenario: 'redis-sentinel-sigkill', loadMs: LOAD_MS, writers: 4, commandTimeoutMs: COMMAND_TIMEOUT_MS, stallMs,
      promotedAfterMs: Math.round(promotedAt - killedAt), secondFailover: finalPrimary !== newPrimary,
      ackedIncr: load.incrValues.length, counter, appliedUnacknowledged: counter - load.incrValues.length, duplicateIncrs, ackedSet: load.acked.length - waitKeys.length, lostSet: lostKeys,
      waitWriter: { acked: waitKeys.length, lost: lostWaitKeys, replicatedPerWait: load.replicated.length, lostReplicated },
      healthDownSamples: health.filter((h) => h.status === 'down').length, ...tally.summary(),
    })}`);
    expect(stallMs).toBeGreaterThan(0);
    expect(stallMs).toBeLessThan(RECOVERY_DEADLINE_MS);
    // Asynchronous replication may lose a few acknowledged writes; on loopback it is a handful at most.
    expect(lostKeys + duplicateIncrs).toBeLessThan(Math.max(50, load.acked.length * 0.05));

    expect(await subscribers(setup.sentinels)).toBeGreaterThan(0); // the failover detector's subscriptions
    const report = await disposeWithReport(c);
    expect(report.providers.find((p) => p.provider === 'redis')).toMatchObject({ status: 'closed' });
    await waitUntil(async () => (await subscribers(setup.sentinels)) === 0, 'the Sentinels to see the subscriptions closed', 5000);
  }, 120_000);

  it('a primary demoted under an open connection answers READONLY: the provider reconnects to the new primary and resends', async () => {
    // Without the failover detector the client stays on the old primary after the promotion, as with any Sentinel
    // that could not announce it.
    const { setup, redis, client, oldPrimary } = await connectedSentinel({ REDIS_SENTINEL_FAILOVER_DETECTOR: 'false' });
    // A plain ioredis client through the same Sentinels, without the provider's READONLY rule: the control.
    const plain = new RawRedis({
      sentinels: setup.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: setup.name,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    });
    plain.on('error', () => undefined);
    cleanups.push(() => plain.disconnect());
    await plain.set('fo:plain', '1');

    const tally = new Tally();
    let stop = false;
    const load = sentinelLoad(client, tally, 2, () => stop);
    await sleep(500);
    // A manual failover promotes a replica; Sentinel demotes the old primary ~10 s later (and kills its clients then).
    // Demoting it now, without that kill, leaves both clients connected to a replica: the case READONLY handling is for.
    await redisCli(setup.sentinels[0]!.port, ['sentinel', 'failover', setup.name]);
    const newPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    await redisCli(oldPrimary, ['replicaof', '127.0.0.1', String(newPrimary)]);
    const demotedAt = performance.now();
    await expect(plain.set('fo:plain', '2')).rejects.toThrow(/^READONLY/);
    await waitUntil(async () => tally.successAt.some((t) => t > demotedAt + 500), 'writes after the demotion', RECOVERY_DEADLINE_MS);
    stop = true;
    await load.done;

    expect(redis.client).toBe(client);
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(newPrimary)]);
    expect(await roleOf(oldPrimary)).toBe('slave');
    // No write failed: the READONLY replies were retried on the new primary. A WAIT blocked on the old primary at
    // the moment of its demotion fails with UNBLOCKED, rightly: its write was not confirmed (and is probably lost).
    expect([...tally.errors.keys()].filter((m) => !m.startsWith('UNBLOCKED'))).toEqual([]);
    expect(tally.maxLatencyMs).toBeLessThan(COMMAND_TIMEOUT_MS + LATENCY_MARGIN_MS);
    const lostKeys = await missing(client, load.acked);
    console.log(`FIGURES ${JSON.stringify({
      scenario: 'redis-sentinel-readonly', stallMs: tally.longestGapFrom(demotedAt), ackedSet: load.acked.length,
      lostSetWrittenToOldPrimaryAfterPromotion: lostKeys, ...tally.summary(),
    })}`);
  }, 120_000);

  it('a manual failover (SENTINEL FAILOVER): the failover detector moves the client before the old primary is demoted', async () => {
    const { setup, client, oldPrimary } = await connectedSentinel();
    const tally = new Tally();
    let stop = false;
    const load = sentinelLoad(client, tally, 2, () => stop);
    await sleep(500);
    const failoverAt = performance.now();
    await redisCli(setup.sentinels[0]!.port, ['sentinel', 'failover', setup.name]);
    const newPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    await waitUntil(
      async () => ((await client.call('CONFIG', 'GET', 'port')) as string[])[1] === String(newPrimary),
      'the client to move to the new primary',
      RECOVERY_DEADLINE_MS,
    );
    const movedAt = performance.now();
    const movedMs = Math.round(movedAt - failoverAt);
    // Sentinel demotes the old primary only ~10 s after a manual failover; without the detector the client would
    // still be writing there (and losing every write at the demotion).
    const oldRole = await roleOf(oldPrimary);
    await sleep(500);
    stop = true;
    await load.done;
    const lostKeys = await missing(client, load.acked);
    const lostAfterMove = await missing(client, load.acked.filter((_, i) => load.ackedAt[i]! > movedAt));
    const waitKeys = load.acked.filter((k) => k.startsWith('fo:w:'));
    console.log(`FIGURES ${JSON.stringify({
      scenario: 'redis-sentinel-manual-failover', movedMs, oldPrimaryRoleWhenMoved: oldRole, stallMs: tally.longestGapFrom(failoverAt),
      ackedSet: load.acked.length - waitKeys.length, lostSet: lostKeys - (await missing(client, waitKeys)), lostAfterMove,
      waitWriter: { acked: waitKeys.length, lost: await missing(client, waitKeys), replicatedPerWait: load.replicated.length, lostReplicated: await missing(client, load.replicated) },
      ...tally.summary(),
    })}`);
    // The client left the old primary while it was still a primary: Sentinel had not demoted it (nor killed its
    // clients), only announced the switch. Without the detector it would have stayed there until the demotion.
    expect(oldRole).toBe('master');
    expect(movedMs).toBeLessThan(8000);
    expect(tally.errors).toEqual(new Map());
    // What was acknowledged after the move is on the new primary. Before it, the writes acknowledged by the old
    // primary after the replica's promotion are lost: reported, inherent to Sentinel's failover (see the docs).
    expect(lostAfterMove).toBe(0);
    expect(lostKeys).toBeLessThan(load.acked.length);
  }, 120_000);
});

describe('Redis Sentinel failover announced while the client asks a Sentinel for the primary', () => {
  it('the client is not ended by the lost connection\'s failover detector: it reconnects to the promoted replica', async () => {
    const setup = await startSentinelFailover();
    cleanups.push(() => setup.stop());
    const toxiproxy = await startToxiproxy();
    cleanups.push(() => toxiproxy.stop());
    const proxies = [];
    for (const [i, sentinel] of setup.sentinels.entries()) proxies.push(await toxiproxy.createProxy(`sentinel${i}`, `127.0.0.1:${sentinel.port}`));
    const c = sentinelContainer({ name: setup.name, sentinels: proxies });
    const redis = c.resolve(RedisProvider);
    await redis.connect();
    const client = redis.client as Redis;
    const oldPrimary = setup.nodes[0]!.port;
    await waitUntil(async () => (await subscribers(setup.sentinels)) > 0, 'the failover detector to subscribe', 10_000);
    await client.set('fo:before', '1');

    // Requests to the Sentinels now take 4 s to arrive: the reconnection's question for the primary is still on its
    // way when the Sentinels announce the promotion, to the lost connection's detector if it is still subscribed.
    for (const proxy of proxies) await toxiproxy.addToxic(proxy.name, { type: 'latency', stream: 'upstream', attributes: { latency: 4000 } });
    const ended: string[] = [];
    client.on('end', () => ended.push(client.status));
    const killedAt = performance.now();
    await setup.node(oldPrimary).kill();
    const newPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    const promotedAfterMs = Math.round(performance.now() - killedAt);
    const recoveredAfterMs = await timeUntilSuccess(() => client.set('fo:after', '1'), RECOVERY_DEADLINE_MS).then(
      (ms) => ms + promotedAfterMs,
      (error: Error) => `never: ${error.message}, client status ${client.status}`,
    );
    console.log(`FIGURES ${JSON.stringify({ scenario: 'redis-sentinel-switch-during-resolve', promotedAfterMs, recoveredAfterMs })}`);
    expect(ended).toEqual([]);
    expect(typeof recoveredAfterMs).toBe('number');
    // On the promoted replica (or, on a machine so busy that a node missed down-after-milliseconds, the next one).
    const finalPrimary = await setup.waitForNewPrimary(oldPrimary, RECOVERY_DEADLINE_MS);
    expect(newPrimary).not.toBe(oldPrimary);
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(finalPrimary)]);
    expect(redis.client).toBe(client);
  }, 120_000);
});

describe('Redis Cluster failover (3 primaries with 1 replica each)', () => {
  it('SIGKILL of one primary under load: the other shards keep answering, the failed one resumes after promotion', async () => {
    const setup = await startFailoverCluster();
    cleanups.push(() => setup.stop());
    const c = createDbContainer({
      env: {
        REDIS_CLUSTER_NODES: setup.nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        DB_SHUTDOWN_TIMEOUT_MS: '5000',
      },
      logger: captureLogs().logger,
    });
    cleanups.push(() => c.dispose());
    const redis = c.resolve(RedisProvider);
    await redis.connect();
    const cluster = redis.client as Cluster;

    // Hash tags spread over every shard (at least 4 per shard); every key of a tag lives in the tag's slot.
    const shards = await setup.shards();
    const shardOf = (slot: number) => shards.findIndex((s) => s.slots.some(([a, b]) => slot >= a && slot <= b));
    const tags: Array<{ tag: string; shard: number }> = [];
    for (let i = 0; i < 400 && shards.some((_, s) => tags.filter((t) => t.shard === s).length < 4); i++) {
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', `t${i}`));
      tags.push({ tag: `t${i}`, shard: shardOf(slot) });
    }
    expect(new Set(tags.map((t) => t.shard))).toEqual(new Set([0, 1, 2]));

    const failed = 1;
    const tallies = shards.map(() => new Tally());
    const acked = new Map<string, string[]>(tags.map((t) => [t.tag, []]));
    let stop = false;
    // Two writers per shard, each on its shard's keys only: a writer waiting on the failed shard does not hold up
    // the others, so their figures show what the client does, not what the load generator does.
    const writer = async (shard: number, id: number) => {
      const own = tags.filter((t) => t.shard === shard);
      for (let seq = 0; !stop; seq++) {
        const { tag } = own[seq % own.length]!;
        const key = `{${tag}}:${id}:${seq}`;
        try {
          await tallies[shard]!.time(() => cluster.set(key, '1'));
          acked.get(tag)!.push(key);
        } catch {
          await sleep(20);
        }
      }
    };
    const done = Promise.all(shards.flatMap((_, shard) => [writer(shard, 0), writer(shard, 1)]));

    await sleep(Math.max(1500, LOAD_MS * 0.25));
    const killedAt = performance.now();
    const { primary: killed, replicas } = shards[failed]!;
    await setup.node(killed).kill();
    await waitUntil(async () => (await setup.shards(replicas[0])).some((s) => s.primary === replicas[0]), 'the replica promotion', RECOVERY_DEADLINE_MS);
    const promotedAt = performance.now();
    await waitUntil(async () => tallies[failed]!.succeededAfter(promotedAt), 'writes to the failed shard', RECOVERY_DEADLINE_MS);
    await sleep(Math.max(1000, LOAD_MS * 0.75 - (performance.now() - killedAt)));
    stop = true;
    await done;

    // The failed shard's slots are now served by its former replica.
    const after = await setup.shards(replicas[0]);
    expect(after.find((s) => s.slots.some(([a]) => a === shards[failed]!.slots[0]![0]))?.primary).toBe(replicas[0]);
    const others = tallies.filter((_, i) => i !== failed);
    let lost = 0;
    for (const keys of acked.values()) {
      for (let i = 0; i < keys.length; i += 500) lost += (await cluster.mget(...keys.slice(i, i + 500))).filter((v) => v === null).length;
    }
    const failedStallMs = tallies[failed]!.longestGapFrom(killedAt);
    console.log(`FIGURES ${JSON.stringify({
      scenario: 'redis-cluster-sigkill', loadMs: LOAD_MS, writersPerShard: 2, commandTimeoutMs: COMMAND_TIMEOUT_MS, promotedAfterMs: Math.round(promotedAt - killedAt),
      failedShard: { stallMs: failedStallMs, ...tallies[failed]!.summary() },
      otherShards: others.map((t) => ({ longestGapMs: t.longestGapFrom(killedAt), ...t.summary() })),
      ackedSet: [...acked.values()].reduce((n, keys) => n + keys.length, 0), lostSet: lost,
    })}`);
    // The other shards never failed a command, and none waited past the command timeout.
    for (const t of others) {
      expect(t.errors).toEqual(new Map());
      expect(t.maxLatencyMs).toBeLessThan(COMMAND_TIMEOUT_MS + LATENCY_MARGIN_MS);
      expect(t.successAt.some((s) => s > killedAt)).toBe(true);
    }
    expect(tallies[failed]!.maxLatencyMs).toBeLessThan(COMMAND_TIMEOUT_MS + LATENCY_MARGIN_MS);
    expect(failedStallMs).toBeGreaterThan(0);
    expect(failedStallMs).toBeLessThan(RECOVERY_DEADLINE_MS);
    expect(lost).toBeLessThan(50);
    expect(redis.client).toBe(cluster);

    const report = await disposeWithReport(c);
    expect(report.providers.find((p) => p.provider === 'redis')).toMatchObject({ status: 'closed' });
  }, 120_000);
});
