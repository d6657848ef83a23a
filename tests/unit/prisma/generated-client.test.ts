import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGeneratedClient, packageRoot } from '../../../src/prisma/generated-client.js';
import { ProviderError } from '../../../src/errors.js';
import { makeTempDir, removeDir } from '../../../scripts/servers/process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const temp = makeTempDir('prisma-generated');
afterAll(() => removeDir(temp));

describe('locating the generated client', () => {
  it('finds the package root from src/, dist/, dist/chunks/, dist/cli/chunks/ and dist/compat/ alike', () => {
    for (const file of ['src/providers/prisma.ts', 'dist/index.js', 'dist/chunks/chunk-ABC.js', 'dist/cli/chunks/chunk-ABC.js', 'dist/compat/client.js']) {
      expect(packageRoot(join(root, file)), file).toBe(root);
    }
  });

  it('loads <package root>/generated/prisma from any depth, as one module', () => {
    const fromDist = loadGeneratedClient(join(root, 'dist', 'index.js'));
    const fromChunk = loadGeneratedClient(join(root, 'dist', 'chunks', 'x.js'));
    expect(fromDist).toBe(fromChunk);
    expect(typeof fromDist.PrismaClient).toBe('function');
    expect(fromDist.Prisma.dmmf.datamodel.models).toHaveLength(12);
  });

  it('says how to fix a package whose client was not generated', () => {
    mkdirSync(join(temp, 'pkg', 'dist'), { recursive: true });
    writeFileSync(join(temp, 'pkg', 'package.json'), '{}');
    const attempt = () => loadGeneratedClient(join(temp, 'pkg', 'dist', 'index.js'));
    expect(attempt).toThrow(ProviderError);
    expect(attempt).toThrow(/\[prisma\] the generated Prisma client could not be loaded from .*generated\/prisma\/index\.js .*run `node scripts\/prisma-generate\.mjs`/);
  });
});
