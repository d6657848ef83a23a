// scripts/prisma-engine.mjs (the query engine beside the generated client, and node_modules/.prisma/client pointing
// at that client), the changes scripts/prisma-generate.mjs makes to the generated client, and the two loaders of
// '#generated-prisma' that scripts/build.mjs writes into dist/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freePort, makeTempDir, removeDir } from '../../../scripts/servers/process.js';
import {
  BRIDGE_MARKER,
  downloadEngine,
  engineFileName,
  engineVersionOf,
  installedEngine,
  isInstalledCopy,
  knownPlatforms,
  obtainEngine,
  postinstall,
  withoutAddresses,
  writeClientBridge,
} from '../../../scripts/prisma-engine.mjs';
import { INSTALLED_OUTPUT, patchGeneratedIndex, schemaHashOf } from '../../../scripts/prisma-generate.mjs';
import { startEngineMirror, type EngineMirror } from '../../helpers/engine-mirror.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const generatedDir = join(root, 'generated', 'prisma');
const requireHere = createRequire(import.meta.url);
const version = engineVersionOf(generatedDir);
const platform = 'debian-openssl-3.0.x';
const name = engineFileName(platform);

let dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs) removeDir(dir);
  dirs = [];
  vi.unstubAllEnvs();
});

/** Writes `files` (path -> content) under `dir`. */
function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

const enginesManifest = (engineVersion: string) => JSON.stringify({ name: '@prisma/engines', version: '6.19.3', dependencies: { '@prisma/engines-version': `7.1.1-3.${engineVersion}` } });

describe('an engine Prisma’s install put on the machine', () => {
  it('is taken from node_modules/@prisma/engines when its engine version is the client’s', () => {
    const app = tempDir('engines');
    write(app, { 'node_modules/@prisma/engines/package.json': enginesManifest(version), [`node_modules/@prisma/engines/${name}`]: 'engine' });
    expect(installedEngine({ version, platform, from: [app] })).toEqual({ path: join(app, 'node_modules/@prisma/engines', name), source: 'node_modules/@prisma/engines' });
  });

  it('is taken from node_modules/prisma (where the CLI downloads) when the CLI’s @prisma/engines has the client’s version', () => {
    const app = tempDir('engines');
    write(app, {
      'node_modules/prisma/package.json': JSON.stringify({ name: 'prisma', version: '6.19.3' }),
      [`node_modules/prisma/${name}`]: 'engine',
      'node_modules/@prisma/engines/package.json': enginesManifest(version),
    });
    expect(installedEngine({ version, platform, from: [app] })).toEqual({ path: join(app, 'node_modules/prisma', name), source: 'node_modules/prisma' });
  });

  it('is never one of another engine version, an empty placeholder or another platform’s', () => {
    const app = tempDir('engines');
    write(app, { 'node_modules/@prisma/engines/package.json': enginesManifest('0'.repeat(40)), [`node_modules/@prisma/engines/${name}`]: 'engine' });
    expect(installedEngine({ version, platform, from: [app] })).toBeUndefined();
    write(app, { 'node_modules/@prisma/engines/package.json': enginesManifest(version), [`node_modules/@prisma/engines/${name}`]: '' });
    expect(installedEngine({ version, platform, from: [app] })).toBeUndefined();
    write(app, { [`node_modules/@prisma/engines/${engineFileName('rhel-openssl-3.0.x')}`]: 'engine' });
    expect(installedEngine({ version, platform, from: [app] })).toBeUndefined();
  });

  it('PRISMA_QUERY_ENGINE_LIBRARY comes first when it names an engine file; a placeholder there is passed over', async () => {
    const dir = tempDir('engines');
    write(dir, { 'given.so.node': 'engine', 'empty.so.node': '' });
    vi.stubEnv('PRISMA_QUERY_ENGINE_LIBRARY', join(dir, 'given.so.node'));
    expect(await obtainEngine({ version, platform, from: [dir], downloadDir: dir, download: false })).toEqual({ path: join(dir, 'given.so.node'), source: 'PRISMA_QUERY_ENGINE_LIBRARY' });
    vi.stubEnv('PRISMA_QUERY_ENGINE_LIBRARY', join(dir, 'empty.so.node'));
    expect(await obtainEngine({ version, platform, from: [dir], downloadDir: dir, download: false })).toEqual({ error: 'no engine on this machine' });
  });
});

describe('Prisma’s downloader through PRISMA_ENGINES_MIRROR', () => {
  let mirror: EngineMirror | undefined;
  beforeEach(() => {
    vi.stubEnv('XDG_CACHE_HOME', tempDir('prisma-cache')); // never the machine's own Prisma cache
    vi.stubEnv('PRISMA_QUERY_ENGINE_LIBRARY', undefined);
  });
  afterEach(async () => {
    await mirror?.close();
    mirror = undefined;
  });

  it('fetches the engine and both checksums, and writes the unpacked engine', async () => {
    mirror = await startEngineMirror();
    vi.stubEnv('PRISMA_ENGINES_MIRROR', mirror.url);
    const dir = tempDir('download');
    const path = await downloadEngine({ version: mirror.version, platform: mirror.platform, dir });
    expect(path).toBe(join(dir, mirror.fileName));
    expect(readFileSync(path).equals(mirror.engine)).toBe(true);
    expect(mirror.requests).toHaveLength(3);
  });

  it('refuses an engine whose checksum differs (Prisma’s own check), so nothing is placed', async () => {
    mirror = await startEngineMirror({ badChecksum: true });
    vi.stubEnv('PRISMA_ENGINES_MIRROR', mirror.url);
    const dir = tempDir('download');
    const found = await obtainEngine({ version: mirror.version, platform: mirror.platform, from: [dir], downloadDir: dir });
    expect(found).toEqual({ error: expect.stringMatching(/^Prisma's download failed: .*sha256 checksum/) });
    expect(existsSync(join(dir, mirror.fileName))).toBe(false);
  });

  it('reports an unreachable download without its address', async () => {
    vi.stubEnv('PRISMA_ENGINES_MIRROR', `http://127.0.0.1:${await freePort()}`);
    const dir = tempDir('download');
    const found = await obtainEngine({ version, platform, from: [dir], downloadDir: dir });
    expect(found.error).toMatch(/^Prisma's download failed: /);
    expect(found.error).not.toMatch(/127\.0\.0\.1|http:/);
    expect(withoutAddresses('request to https://example.test/a.gz failed, reason: getaddrinfo ENOTFOUND example.test')).toBe(
      'request to <url> failed, reason: getaddrinfo ENOTFOUND',
    );
  });
});

describe('node_modules/.prisma/client, where @prisma/client looks for its generated client', () => {
  /** An app's node_modules with the package (a generated client) and @prisma/client with Prisma's stub files. */
  function appWithPackage(): { app: string; pkg: string; bridge: string } {
    const app = tempDir('bridge');
    const pkg = join(app, 'node_modules', '@ratecreator', 'db');
    write(app, {
      'node_modules/@prisma/client/package.json': JSON.stringify({ name: '@prisma/client', version: '6.19.3' }),
      'node_modules/@prisma/client/scripts/default-index.js': 'stub js',
      'node_modules/@prisma/client/scripts/default-index.d.ts': 'stub types',
      'node_modules/@ratecreator/db/generated/prisma/index.js': 'module.exports = { ours: true };\n',
    });
    return { app, pkg, bridge: join(app, 'node_modules', '.prisma', 'client') };
  }

  it('is pointed at the package’s client: small files re-exporting it, for @prisma/client’s entries', () => {
    const { pkg, bridge } = appWithPackage();
    expect(writeClientBridge(pkg)).toEqual({ dir: bridge });
    expect(readFileSync(join(bridge, 'default.js'), 'utf8')).toBe(`${BRIDGE_MARKER}\nmodule.exports = require('../../@ratecreator/db/generated/prisma/index.js');\n`);
    expect(readFileSync(join(bridge, 'default.d.ts'), 'utf8')).toBe(`${BRIDGE_MARKER}\nexport * from '../../@ratecreator/db/generated/prisma/index';\n`);
    expect(requireHere(join(bridge, 'index.js'))).toEqual({ ours: true });
    // Written again over its own files (a second install).
    expect(writeClientBridge(pkg)).toEqual({ dir: bridge });
  });

  it('replaces Prisma’s “run prisma generate” stubs, which @prisma/client’s own install writes first', () => {
    const { app, pkg, bridge } = appWithPackage();
    write(app, { 'node_modules/.prisma/client/index.js': 'stub js', 'node_modules/.prisma/client/index.d.ts': 'stub types' });
    expect(writeClientBridge(pkg)).toEqual({ dir: bridge });
    expect(readFileSync(join(bridge, 'index.js'), 'utf8')).toContain(BRIDGE_MARKER);
  });

  it('leaves another generated client alone (an app’s own schema)', () => {
    const { app, pkg, bridge } = appWithPackage();
    write(app, { 'node_modules/.prisma/client/index.js': '// generated by Prisma for the app\n', 'node_modules/.prisma/client/runtime/library.js': '' });
    expect(writeClientBridge(pkg)).toEqual({ skipped: `${bridge} holds another generated client` });
    expect(readFileSync(join(bridge, 'index.js'), 'utf8')).toBe('// generated by Prisma for the app\n');
  });

  it('is not written without @prisma/client', () => {
    const app = tempDir('bridge');
    write(app, { 'node_modules/@ratecreator/db/generated/prisma/index.js': '' });
    expect(writeClientBridge(join(app, 'node_modules', '@ratecreator', 'db'))).toEqual({ skipped: '@prisma/client is not installed' });
  });
});

describe('the install script', () => {
  it('does nothing in the package’s own repository (prisma:generate places the engine there)', async () => {
    expect(isInstalledCopy(root)).toBe(false);
    expect(isInstalledCopy(join('/app', 'node_modules', '@ratecreator', 'db'))).toBe(true);
    const lines: string[] = [];
    expect(await postinstall(root, (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual(['@ratecreator/db: not an installed copy; `npm run prisma:generate` places the engine in the repository']);
  });
});

describe('the generated client, as scripts/prisma-generate.mjs leaves it', () => {
  const text = readFileSync(join(generatedDir, 'index.js'), 'utf8');

  it('resolves its working-directory paths inside an app’s node_modules, never an app’s own generated/ or prisma/', () => {
    expect(text).not.toContain('"generated/prisma');
    expect(text).toContain(`"output": {\n      "value": "${INSTALLED_OUTPUT}"`);
    expect(text).toContain(`const alternativePaths = [\n    "${INSTALLED_OUTPUT}",\n  ]`);
  });

  it('names the engine of every platform Prisma publishes for file tracers, relative to itself', () => {
    for (const target of knownPlatforms()) expect(text, target).toContain(`path.join(__dirname, "${engineFileName(target)}")`);
  });

  it('tells which schema it is by Prisma.ratecreatorDbSchemaHash, which no export or key shows', () => {
    const generated = requireHere(join(generatedDir, 'index.js')) as Record<string, unknown> & { Prisma: Record<string, unknown> };
    expect(generated.Prisma.ratecreatorDbSchemaHash).toBe(schemaHashOf(text));
    expect(Object.keys(generated.Prisma)).not.toContain('ratecreatorDbSchemaHash');
    expect(Object.keys(generated)).not.toContain('ratecreatorDbSchemaHash');
  });

  it('patching fails loudly when Prisma’s template changed shape', () => {
    expect(() => patchGeneratedIndex('exports.PrismaClient = PrismaClient\n')).toThrow(/expected the relative output path/);
    const unpatched = text.replaceAll(`"${INSTALLED_OUTPUT}`, '"generated/prisma');
    expect(() => patchGeneratedIndex(unpatched)).toThrow(/expected the alternative paths once/);
  });
});

describe('dist: the generated client as the subpath import #generated-prisma', () => {
  const dist = (path: string) => join(root, 'dist', path);

  it('maps webpack to the loader that asks @prisma/client first, and everything else to the client', () => {
    expect(JSON.parse(readFileSync(dist('package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
      imports: { '#generated-prisma': { webpack: './prisma/generated.webpack.cjs', default: './prisma/generated.cjs' } },
    });
    for (const file of ['index.cjs', 'cli/main.cjs']) {
      const code = readFileSync(dist(file), 'utf8');
      expect(code, file).toContain('require("#generated-prisma")');
      expect(code, file).not.toMatch(/require\("[./]+generated\/prisma/);
    }
  });

  it('the default loader is the generated client; the webpack one takes it through @prisma/client when that resolves to it', () => {
    const generated = requireHere(join(generatedDir, 'index.js')) as { PrismaClient: unknown; Prisma: unknown };
    expect(requireHere(dist('prisma/generated.cjs'))).toBe(generated);
    // In the repository prisma:generate pointed node_modules/.prisma/client at the client, as the install script does
    // in apps: @prisma/client hands out a copy of its exports (its default.js spreads them).
    const viaWebpack = requireHere(dist('prisma/generated.webpack.cjs')) as typeof generated;
    expect(viaWebpack).toBe(requireHere('@prisma/client'));
    expect(viaWebpack.PrismaClient).toBe(generated.PrismaClient);
    expect(viaWebpack.Prisma).toBe(generated.Prisma);
  });

  /** A copy of the webpack loader in a layout of its own, with a stand-in @prisma/client whose Prisma has `hash`. */
  function loaderWith(prismaClient: string): unknown {
    const dir = tempDir('loader');
    write(dir, {
      'dist/prisma/generated.webpack.cjs': readFileSync(dist('prisma/generated.webpack.cjs'), 'utf8'),
      'generated/prisma/index.js': 'module.exports = { bundled: true };\n',
      'node_modules/@prisma/client/package.json': JSON.stringify({ name: '@prisma/client', main: 'index.js' }),
      'node_modules/@prisma/client/index.js': prismaClient,
    });
    return requireHere(join(dir, 'dist', 'prisma', 'generated.webpack.cjs'));
  }

  it('the webpack loader falls back to the bundled client when @prisma/client holds another schema or does not load', () => {
    const hash = schemaHashOf(readFileSync(join(generatedDir, 'index.js'), 'utf8'));
    expect(loaderWith(`module.exports = { Prisma: { ratecreatorDbSchemaHash: '${hash}' }, via: '@prisma/client' };`)).toMatchObject({ via: '@prisma/client' });
    expect(loaderWith("module.exports = { Prisma: { ratecreatorDbSchemaHash: 'another schema' } };")).toEqual({ bundled: true });
    expect(loaderWith("module.exports = { Prisma: {} };")).toEqual({ bundled: true });
    expect(loaderWith("throw new Error(\"Cannot find module '.prisma/client/default'\");")).toEqual({ bundled: true });
  });
});
