import { errorMessage, ProviderError } from '../errors.js';

// Built-ins from process.getBuiltinModule, not `import` (see lifecycle/load.ts).
const { existsSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');

/** The generated client module (`prisma/schema.prisma` generates it into `<package root>/generated/prisma`). */
export type GeneratedPrismaModule = typeof import('../../generated/prisma/index.js');

/** Where the generated client lives, relative to the package root. */
export const GENERATED_CLIENT_DIR = join('generated', 'prisma');

/**
 * The package root: the nearest directory above `from` that has a package.json. The same answer from src/, from
 * dist/ (bundled entries and chunks sit at different depths) and from an installed copy of the package.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Loads `<package root>/generated/prisma`. Only the provider calls this, when its client is first built.
 * @throws {ProviderError} when the client has not been generated.
 */
export function loadGeneratedClient(from?: string): GeneratedPrismaModule {
  const root = packageRoot(from);
  const entry = root === undefined ? undefined : join(root, GENERATED_CLIENT_DIR, 'index.js');
  try {
    if (entry === undefined) throw new Error('no package.json above this module');
    return createRequire(entry)(entry) as GeneratedPrismaModule;
  } catch (error) {
    throw new ProviderError(
      'prisma',
      `the generated Prisma client could not be loaded from ${entry ?? GENERATED_CLIENT_DIR} ` +
        `(${errorMessage(error).split('\n')[0]}); run \`node scripts/prisma-generate.mjs\` in the package`,
      { cause: error },
    );
  }
}
