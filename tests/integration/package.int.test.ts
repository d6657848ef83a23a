import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Runs against dist/ (npm test builds first), through the package's own name and exports map, as apps import it.
describe('the built package', () => {
  it('imports by package name, resolves providers with injected dependencies, and shares one default container', () => {
    const script = `
      const api = await import('@ratecreator/db');
      const redisDo = await import('@ratecreator/db/redis-do');
      const testing = await import('@ratecreator/db/testing');
      const c = api.createDbContainer({ env: { REDIS_HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
      const redis = c.resolve(api.RedisProvider);
      const fake = testing.createTestContainer().resolve(api.RedisProvider);
      await fake.client.set('k', 'v');
      const out = {
        status: redis.client.status,
        shared: redisDo.getRedisClient() === api.getDefaultContainer().resolve(api.RedisProvider).client,
        fake: await fake.client.get('k'),
      };
      await c.dispose();
      await api.getDefaultContainer().dispose();
      process.stdout.write(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, REDIS_HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ status: 'wait', shared: true, fake: 'v' });
  });

  it('gives the original import paths and ./testing the main entry\'s classes and default container, not copies', () => {
    const script = `
      const api = await import('@ratecreator/db');
      const redisDo = await import('@ratecreator/db/redis-do');
      const testing = await import('@ratecreator/db/testing');
      const test = testing.createTestContainer({ asDefault: true });
      const fake = test.resolve(api.RedisProvider);
      const unused = test.resolve(api.KafkaProvider);
      const out = {
        fakeIsDefault: redisDo.getRedisClient() === fake.client,
        fakeExtendsLazyProvider: fake instanceof api.LazyProvider,
      };
      await test.dispose();
      try { unused.client; } catch (error) { out.disposedErrorIsShared = error instanceof api.DisposedError; }
      process.stdout.write(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ fakeIsDefault: true, fakeExtendsLazyProvider: true, disposedErrorIsShared: true });
  });

  it('builds the main entry as one CommonJS file: requiring @ratecreator/db reads no other file of the package', () => {
    // Each extra file costs start-up (see scripts/build.mjs); a relative require here would be one.
    const main = readFileSync(`${root}/dist/index.cjs`, 'utf8');
    expect(main.match(/require\("\.{1,2}\/(?!generated\/prisma\/index\.js")[^"]*"\)/g)).toBeNull();
    expect(main).toContain('var RedisProvider');
  });

  it('reaches every client library through a literal require that bundlers and file tracers follow, inside a function', () => {
    const main = readFileSync(`${root}/dist/index.cjs`, 'utf8');
    for (const name of ['ioredis', 'kafkajs', 'mongodb', '@algolia/client-search', '@algolia/requester-node-http', '#generated-prisma']) {
      const calls = main.split('\n').filter((line) => line.includes(`require("${name}")`));
      expect(calls.length, name).toBeGreaterThan(0);
      // In a function body, so Node loads it on first use only: never a module-level `var x = require(...)`.
      for (const line of calls) expect(line, name).not.toMatch(/^(?:var|let|const) [\w$]+ = require\(/);
    }
    expect(main).not.toMatch(/createRequire|import\.meta|getBuiltinModule/);
    // The generated Prisma client is reached through the package's own import map (dist/package.json `imports`), whose
    // default target requires it by a literal relative path.
    const imports = (JSON.parse(readFileSync(`${root}/dist/package.json`, 'utf8')) as { imports: Record<string, { default: string }> }).imports;
    expect(imports['#generated-prisma']?.default).toBe('./prisma/generated.cjs');
    expect(readFileSync(`${root}/dist/prisma/generated.cjs`, 'utf8')).toContain('require("../../generated/prisma/index.js")');
  });

  it('keeps the error classes\' names when an app minifies the package (Next.js renames classes)', () => {
    // Inside the repository, so that the external dependencies resolve from its node_modules.
    mkdirSync(join(root, '.cache'), { recursive: true });
    const out = join(mkdtempSync(join(root, '.cache', 'minified-')), 'bundle.cjs');
    try {
      buildSync({ entryPoints: [`${root}/dist/index.cjs`], bundle: true, minify: true, platform: 'node', format: 'cjs', packages: 'external', outfile: out, logLevel: 'silent' });
      const script = `
        const api = require(${JSON.stringify(out)});
        const errors = [new api.DbError('x'), new api.ConfigError([]), new api.ProviderError('redis', 'x'), new api.DisposedError('redis'), new api.TimeoutError('x', 1)];
        process.stdout.write(JSON.stringify({ names: errors.map((e) => e.name), renamed: api.ProviderError.name !== 'ProviderError' }));
      `;
      const stdout = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
      // `renamed` shows the minifier did rename the classes, so the names come from the literals.
      expect(JSON.parse(stdout)).toEqual({ names: ['DbError', 'ConfigError', 'ProviderError', 'DisposedError', 'TimeoutError'], renamed: true });
    } finally {
      rmSync(dirname(out), { recursive: true, force: true });
    }
  });

  it('ships no path of the machine it was built on (it would end up in every app bundle)', () => {
    const files = ['dist', 'generated'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.(c?js|mjs|json|d\.c?ts|d\.mts|prisma)$/.test(entry.name))
        .map((entry) => join(entry.parentPath, entry.name)),
    );
    expect(files.length).toBeGreaterThan(50);
    const leaking = files.filter((file) => readFileSync(file, 'utf8').includes(root.replace(/\/$/, '')));
    expect(leaking).toEqual([]);
  });

  it('runs every output file in strict mode ("use strict" first, the Reflect polyfill after it)', () => {
    const files = readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.cjs'))
      .map((entry) => join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) expect(readFileSync(file, 'utf8').replace(/^#!.*\n/, ''), file).toMatch(/^"use strict";\n/);
    // A strict function's `caller` throws; a sloppy one's reads null.
    const script = "try { require('@ratecreator/db').loadConfig.caller; process.stdout.write('sloppy'); } catch { process.stdout.write('strict'); }";
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 })).toBe('strict');
  });
});
