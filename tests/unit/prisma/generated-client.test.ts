import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGeneratedClient, packageRoot } from '../../../src/prisma/generated-client.js';
import { ProviderError } from '../../../src/errors.js';
import { makeTempDir, removeDir } from '../../../scripts/servers/process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

describe('locating the generated client', () => {
  it('finds the package root from src/ and from every depth of dist/ (dist/package.json is not the package)', () => {
    for (const file of ['src/providers/prisma.ts', 'dist/index.cjs', 'dist/compat/client.cjs', 'dist/cli/main.cjs']) {
      expect(packageRoot(join(root, file)), file).toBe(root);
    }
    const outside = makeTempDir('prisma-generated');
    try {
      expect(packageRoot(join(outside, 'dist', 'index.cjs'))).toBeUndefined();
    } finally {
      removeDir(outside);
    }
  });

  it('loads <package root>/generated/prisma through its literal require', () => {
    const generated = loadGeneratedClient();
    expect(typeof generated.PrismaClient).toBe('function');
    expect(generated.Prisma.dmmf.datamodel.models).toHaveLength(25);
  });

  it('says how to fix a package whose client was not generated', () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module '../../generated/prisma/index.js'"), { code: 'MODULE_NOT_FOUND' });
    };
    const attempt = () => loadGeneratedClient(missing);
    expect(attempt).toThrow(ProviderError);
    expect(attempt).toThrow(/\[prisma\] the generated Prisma client could not be loaded from generated\/prisma\/index\.js \(Cannot find module .*\); run `node scripts\/prisma-generate\.mjs`/);
  });
});
