// Prisma's query engine where the network exists (issue 21, step 3), tested without the internet: Prisma's engine
// download is served from loopback through its mirror setting (PRISMA_ENGINES_MIRROR) with a stand-in engine (any
// bytes, so it cannot load) and its checksums. The packed package is installed into the esbuild fixture service with
// npm and its install script run as a user's npm runs it once allowed; then the engine must sit beside the generated
// client, reach the README's two Docker layouts, and be the very file Prisma's runtime tries to load. The Next.js
// standalone deployments are checked in next-standalone.int.test.ts; offline, the install places nothing.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { startEngineMirror, type EngineMirror } from '../helpers/engine-mirror.js';
import { esbuild, installFixtureApp, startService, withoutNodeModules } from '../helpers/esbuild-app.js';
import { packedPackage } from '../helpers/packed.js';

const GENERATED = join('node_modules', '@ratecreator', 'db', 'generated', 'prisma');
const probeEnv = { DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:9/prisma_probe', LOG_LEVEL: 'silent' };

/** Runs the bundled probe (`node dist/index.js` in `cwd`) and returns its one result line. */
async function probe(cwd: string): Promise<{ event: string; name?: string; message?: string }> {
  const child = startService(cwd, 'dist/index.js', probeEnv);
  const outcome = await child.exit(30_000);
  expect(outcome, child.stderr()).toEqual({ code: 0, signal: null });
  const line = child.lines.find((entry) => entry.service === 'prisma-probe');
  expect(line, `stdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`).toBeDefined();
  return line as { event: string; name?: string; message?: string };
}

/** What Prisma says when it found an engine file and could not load it: the file's path is in the message. */
const loadFailure = (path: string) => `Unable to require(\`${path}\`)`;

describe('where Prisma can download its engine (a loopback mirror)', () => {
  let mirror: EngineMirror;
  let app: string;
  const runtimes: string[] = [];

  beforeAll(async () => {
    mirror = await startEngineMirror();
    app = await installFixtureApp(packedPackage(), { installScriptEnv: mirror.env });
  }, 240_000);

  afterAll(async () => {
    await mirror?.close();
    if (app) removeDir(app);
    for (const dir of runtimes) removeDir(dir);
  });

  /** A directory standing for the image's runtime stage, outside the build tree. */
  function runtimeStage(): string {
    const dir = realpathSync(makeTempDir('runtime-stage'));
    runtimes.push(dir);
    return dir;
  }

  it('the install script fetched the stand-in through Prisma’s downloader, checksums and all, and placed it beside the generated client', () => {
    const base = `/all_commits/${mirror.version}/${mirror.platform}/libquery_engine.so.node`;
    expect([...mirror.requests].sort()).toEqual([`${base}.gz`, `${base}.gz.sha256`, `${base}.sha256`]);
    const placed = join(app, GENERATED, mirror.fileName);
    expect(readFileSync(placed).equals(mirror.engine)).toBe(true);
    // Nothing else: no engine of another platform, no partial file.
    expect(readdirSync(join(app, GENERATED)).filter((name) => /query_engine|partial/.test(name))).toEqual([mirror.fileName]);
  });

  it('at run time in the installed app (node_modules in place), Prisma loads that very file', async () => {
    await esbuild(app, ['src/prisma-probe.ts', '--bundle', '--platform=node', '--packages=external', '--outfile=dist/index.js']);
    const result = await probe(app);
    expect(result).toMatchObject({ event: 'failed', name: 'ProviderError' });
    expect(result.message).toContain(loadFailure(join(realpathSync(app), GENERATED, mirror.fileName)));
    expect(result.message).not.toMatch(/could not locate the Query Engine/);
  });

  it('README Docker layout, bundled: the runtime stage holds dist/ and the engine copied beside it, and Prisma loads that copy', async () => {
    await esbuild(app, ['src/prisma-probe.ts', '--bundle', '--platform=node', '--outfile=dist/index.js']);
    // COPY --from=build /app/dist ./dist
    // COPY --from=build /app/node_modules/@ratecreator/db/generated/prisma/libquery_engine-* ./
    const stage = runtimeStage();
    cpSync(join(app, 'dist'), join(stage, 'dist'), { recursive: true });
    for (const name of readdirSync(join(app, GENERATED)).filter((file) => file.startsWith('libquery_engine-'))) {
      cpSync(join(app, GENERATED, name), join(stage, name));
    }
    const result = await withoutNodeModules(app, () => probe(stage));
    expect(result).toMatchObject({ event: 'failed', name: 'ProviderError' });
    expect(result.message).toContain(loadFailure(join(stage, mirror.fileName)));
  });

  it('the same bundle without the engine copied: Prisma finds none (the copy step is what delivers it)', async () => {
    const stage = runtimeStage();
    cpSync(join(app, 'dist'), join(stage, 'dist'), { recursive: true });
    const result = await withoutNodeModules(app, () => probe(stage));
    expect(result).toMatchObject({ event: 'failed', name: 'ProviderError' });
    expect(result.message).toMatch(/could not locate the Query Engine/);
  });

  it('README Docker layout with --packages=external: the node_modules layer carries the engine, and Prisma loads it from there', async () => {
    await esbuild(app, ['src/prisma-probe.ts', '--bundle', '--platform=node', '--packages=external', '--outfile=dist/index.js']);
    // COPY --from=build /app/node_modules ./node_modules
    // COPY --from=build /app/dist ./dist
    const stage = runtimeStage();
    cpSync(join(app, 'node_modules'), join(stage, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(app, 'dist'), join(stage, 'dist'), { recursive: true });
    const result = await withoutNodeModules(app, () => probe(stage));
    expect(result).toMatchObject({ event: 'failed', name: 'ProviderError' });
    expect(result.message).toContain(loadFailure(join(stage, GENERATED, mirror.fileName)));
  });

  it('@prisma/client resolves to the package’s client (the install script’s node_modules/.prisma/client)', () => {
    const bridge = join(app, 'node_modules', '.prisma', 'client');
    expect(readFileSync(join(bridge, 'default.js'), 'utf8')).toContain("require('../../@ratecreator/db/generated/prisma/index.js')");
    expect(readFileSync(join(bridge, 'index.d.ts'), 'utf8')).toContain("export * from '../../@ratecreator/db/generated/prisma/index'");
  });
});

describe('offline: Prisma’s download fails', () => {
  let app: string;

  beforeAll(async () => {
    // Nothing listens on the mirror's port: every request of Prisma's downloader is refused.
    const port = await freePort();
    const cache = makeTempDir('prisma-cache');
    try {
      app = await installFixtureApp(packedPackage(), { installScriptEnv: { PRISMA_ENGINES_MIRROR: `http://127.0.0.1:${port}`, XDG_CACHE_HOME: cache } });
    } finally {
      removeDir(cache);
    }
  }, 240_000);

  afterAll(() => {
    if (app) removeDir(app);
  });

  it('the install succeeds without an engine, and a query fails with the package’s error saying how to provide one', async () => {
    expect(readdirSync(join(app, GENERATED)).filter((name) => /query_engine/.test(name))).toEqual([]);
    mkdirSync(join(app, 'dist'), { recursive: true });
    await esbuild(app, ['src/prisma-probe.ts', '--bundle', '--platform=node', '--packages=external', '--outfile=dist/index.js']);
    const result = await probe(app);
    expect(result).toMatchObject({ event: 'failed', name: 'ProviderError' });
    expect(result.message).toMatch(/^\[prisma\] Prisma query engine is not available \(Prisma Client could not locate the Query Engine .*\); to fix: set PRISMA_QUERY_ENGINE_LIBRARY/);
    expect(existsSync(join(app, 'node_modules', '.prisma', 'client', 'default.js'))).toBe(true);
  });
});
