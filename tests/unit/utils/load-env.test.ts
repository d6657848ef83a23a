import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/utils/load-env.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'load-env-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A monorepo under `root`: marker file at its top, apps/web inside, a .env beside the marker. */
function monorepo(marker: Record<string, string>, env = 'REDIS_HOST=redis.internal\nREDIS_PORT=6380\n'): { top: string; app: string } {
  const top = join(root, 'repo');
  const app = join(top, 'apps', 'web');
  mkdirSync(app, { recursive: true });
  for (const [file, text] of Object.entries(marker)) writeFileSync(join(top, file), text);
  writeFileSync(join(top, '.env'), env);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'web' }));
  return { top, app };
}

describe('loadEnv', () => {
  it.each([
    ['turbo.json', { 'turbo.json': '{}' }],
    ['pnpm-workspace.yaml', { 'pnpm-workspace.yaml': 'packages: ["apps/*"]\n' }],
    ['package.json with workspaces', { 'package.json': JSON.stringify({ name: 'monorepo', workspaces: ['apps/*'] }) }],
  ])('finds the monorepo root by its %s, from an app directory inside it', (_name, marker) => {
    const { top, app } = monorepo(marker);
    const env: Record<string, string | undefined> = {};
    expect(loadEnv({ cwd: app, env })).toEqual({ path: join(top, '.env'), loaded: ['REDIS_HOST', 'REDIS_PORT'], kept: [] });
    expect(env).toEqual({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380' });
  });

  it('never overrides a variable that is already set, even to an empty string', () => {
    const { app } = monorepo({ 'turbo.json': '{}' });
    const env: Record<string, string | undefined> = { REDIS_HOST: '', REDIS_PORT: '6379' };
    expect(loadEnv({ cwd: app, env })).toMatchObject({ loaded: [], kept: ['REDIS_HOST', 'REDIS_PORT'] });
    expect(env).toEqual({ REDIS_HOST: '', REDIS_PORT: '6379' });
  });

  it('stops at the first workspace root: a .env above it is not read, nor one in a plain package directory below it', () => {
    writeFileSync(join(root, '.env'), 'ABOVE=1\n');
    writeFileSync(join(root, 'turbo.json'), '{}');
    const top = join(root, 'repo');
    const app = join(top, 'apps', 'web');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(top, 'pnpm-workspace.yaml'), 'packages: []\n'); // the monorepo, without a .env
    writeFileSync(join(app, '.env'), 'APP_LEVEL=1\n');
    const env: Record<string, string | undefined> = {};
    expect(loadEnv({ cwd: app, env })).toEqual({ path: undefined, loaded: [], kept: [] });
    expect(env).toEqual({});
  });

  it('loads nothing outside a monorepo (a deployed service: the platform sets the environment)', () => {
    const dir = join(root, 'srv');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'service' }));
    writeFileSync(join(dir, '.env'), 'X=1\n');
    const env: Record<string, string | undefined> = {};
    expect(loadEnv({ cwd: dir, env })).toEqual({ path: undefined, loaded: [], kept: [] });
  });

  it('RATECREATOR_ENV_FILE names the file instead (relative to cwd), and options.path wins over it', () => {
    const { app } = monorepo({ 'turbo.json': '{}' });
    writeFileSync(join(app, 'custom.env'), 'CUSTOM=yes\nQUOTED="a b" # comment\nexport EXPORTED=1\nMULTI="x\\ny"\n');
    writeFileSync(join(root, 'other.env'), 'OTHER=1\n');
    const env: Record<string, string | undefined> = { RATECREATOR_ENV_FILE: 'custom.env' };
    expect(loadEnv({ cwd: app, env })).toEqual({ path: join(app, 'custom.env'), loaded: ['CUSTOM', 'EXPORTED', 'MULTI', 'QUOTED'], kept: [] });
    expect(env).toMatchObject({ CUSTOM: 'yes', QUOTED: 'a b', EXPORTED: '1', MULTI: 'x\ny' });
    const second: Record<string, string | undefined> = { RATECREATOR_ENV_FILE: 'custom.env' };
    expect(loadEnv({ cwd: app, env: second, path: join(root, 'other.env') }).loaded).toEqual(['OTHER']);
  });

  it('an explicit file that cannot be read is an error naming it', () => {
    const env: Record<string, string | undefined> = { RATECREATOR_ENV_FILE: join(root, 'missing.env') };
    expect(() => loadEnv({ cwd: root, env })).toThrow(`RATECREATOR_ENV_FILE names ${join(root, 'missing.env')}, which cannot be read (ENOENT)`);
    expect(() => loadEnv({ cwd: root, env: {}, path: 'nope.env' })).toThrow(`loadEnv({ path }) names ${join(root, 'nope.env')}, which cannot be read (ENOENT)`);
  });

  it('defaults to process.cwd() and process.env', () => {
    const { app } = monorepo({ 'turbo.json': '{}' }, 'RATECREATOR_LOAD_ENV_TEST=from-file\n');
    const cwd = process.cwd();
    process.chdir(app);
    try {
      expect(loadEnv().loaded).toEqual(['RATECREATOR_LOAD_ENV_TEST']);
      expect(process.env.RATECREATOR_LOAD_ENV_TEST).toBe('from-file');
    } finally {
      process.chdir(cwd);
      delete process.env.RATECREATOR_LOAD_ENV_TEST;
    }
  });
});
