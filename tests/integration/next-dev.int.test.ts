// `next dev` cell of the build matrix (issue 10): while the fixture app runs under `next dev`, a module its routes
// import (app/lib/marker.js, imported by app/lib/ops.js) is edited twice; after each reload the Redis and MongoDB
// routes are called again, and the connections are counted on the server side each time: module reloads must not
// open a second set of connections (the original package's `globalThis` guard ensured that).
//
// Both pinned versions run (15-20 s each, install and dev server start included): their dev servers are separate
// implementations of module reloading, so one passing says little about the other. Before any edit the routes are
// compiled on demand one after the other, which already evaluates app/lib/ops.js twice: the first row checks that too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { removeDir } from '../../scripts/servers/process.js';
import { redisCli, startRedis, type RedisServer } from '../../scripts/servers/redis.js';
import { callRoute, prepareApp, startNext, token, type NextServer, type NextToolchain, type OpResult } from '../helpers/next-app.js';
import { packedPackage } from '../helpers/packed.js';
import { connectionsTo } from '../helpers/proc-sockets.js';

const EDITS = 2;
const CALLS = 3;

/** One observation: connections held after the routes answered `marker`, and what the routes said about reloads. */
interface Row {
  readonly marker: string;
  /** Redis clients the server lists (`CLIENT LIST`, without the listing connection itself). */
  readonly redisServer: number;
  /** ESTABLISHED connections of the `next dev` process tree to Redis and to FerretDB (/proc). */
  readonly redisTree: number;
  readonly mongoTree: number;
  /** From the last answers: how often app/lib/ops.js was evaluated, and which default container served. */
  readonly loads: number;
  /** How many evaluations of @ratecreator/db itself the app has seen (distinct RedisProvider classes). */
  readonly packageEvaluations: number;
  readonly containers: unknown[];
}

describe.each(['next14', 'next15'] as const satisfies readonly NextToolchain[])('%s: next dev with edited modules', (toolchain) => {
  let redis: RedisServer | undefined;
  let app = '';
  let server: NextServer | undefined;
  const mongoPort = () => inject('mongo').port;

  beforeAll(async () => {
    // A Redis server of its own: CLIENT LIST then shows the app's connections and nobody else's.
    redis = await startRedis();
    app = await prepareApp(toolchain, packedPackage());
    const env = {
      LOG_LEVEL: 'warn',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redis.port),
      DATABASE_URL_ONLINE: `${inject('mongo').url}next_fixture`,
    };
    server = await startNext(app, (port) => ['node_modules/next/dist/bin/next', 'dev', '-p', String(port), '-H', '127.0.0.1'], env, '/api/redis?token=warmup', 180_000);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    if (app) removeDir(app);
  });

  async function serverSideRedisClients(): Promise<number> {
    const lines = (await redisCli(redis!.port, ['CLIENT', 'LIST'])).trim().split('\n').filter(Boolean);
    return lines.filter((line) => !/ cmd=client(\|list)? /.test(line)).length;
  }

  /** Calls the Redis and MongoDB routes `CALLS` times each; every answer must come from the current `marker`. */
  async function exercise(marker: string): Promise<OpResult[]> {
    const answers: OpResult[] = [];
    for (let i = 0; i < CALLS; i++) {
      for (const op of ['redis', 'mongo']) {
        const { status, body } = await callRoute(server!.url, op, token());
        expect({ status, ...body }, JSON.stringify(body)).toMatchObject({ status: 200, ok: true, marker });
        answers.push(body);
      }
    }
    return answers;
  }

  /** Polls both routes until they answer `marker` (the edit was compiled and is served). */
  async function waitForReload(marker: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const op of ['redis', 'mongo']) {
      for (;;) {
        const { body } = await callRoute(server!.url, op, token());
        if (body.marker === marker) break;
        if (Date.now() > deadline) throw new Error(`/api/${op} still answers ${body.marker}, not ${marker}:\n${server!.output()}`);
        await new Promise((done) => setTimeout(done, 250));
      }
    }
  }

  async function observe(marker: string): Promise<Row> {
    const answers = await exercise(marker);
    return {
      marker,
      redisServer: await serverSideRedisClients(),
      redisTree: connectionsTo(server!.pid, redis!.port).length,
      mongoTree: connectionsTo(server!.pid, mongoPort()).length,
      loads: Number(answers.at(-1)!.loads),
      packageEvaluations: Number(answers.at(-1)!.packageEvaluations),
      containers: [...new Set(answers.map((answer) => answer.container))],
    };
  }

  it(`holds one set of connections across ${EDITS} edits of a module the routes import`, async () => {
    const rows: Row[] = [await observe('marker-0')];
    for (let edit = 1; edit <= EDITS; edit++) {
      const marker = `marker-${edit}`;
      writeFileSync(join(app, 'app', 'lib', 'marker.js'), `export const MARKER = '${marker}';\n`);
      await waitForReload(marker);
      rows.push(await observe(marker));
    }
    console.log(`${toolchain} next dev:\n${rows.map((row) => JSON.stringify(row)).join('\n')}`);

    const [first] = rows;
    const last = rows.at(-1)!;
    // The scenario is real: every edit evaluated the routes' module again, and the package with it.
    expect(last.loads).toBeGreaterThan(first!.loads);
    expect(last.packageEvaluations).toBeGreaterThan(first!.packageEvaluations);
    // One ioredis client, from one default container, the whole time.
    expect(first!.redisServer).toBe(1);
    expect(first!.mongoTree).toBeGreaterThan(0);
    for (const row of rows) expect(row.containers, JSON.stringify(rows)).toEqual([1]);
    for (const row of rows) {
      // The dedicated server sees exactly the dev server's connections: the two counts describe the same sockets.
      expect(row.redisServer, JSON.stringify(row)).toBe(row.redisTree);
      expect(row.redisServer, `Redis connections after ${row.marker}: ${JSON.stringify(rows)}`).toBe(first!.redisServer);
      expect(row.mongoTree, `MongoDB connections after ${row.marker}: ${JSON.stringify(rows)}`).toBe(first!.mongoTree);
    }
  });
});
