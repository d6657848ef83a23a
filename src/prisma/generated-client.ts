import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage, ProviderError } from '../errors.js';

/** The generated client module (`prisma/schema.prisma` generates it into `<package root>/generated/prisma`). */
export type GeneratedPrismaModule = typeof import('../../generated/prisma/index.js');

/** Where the generated client lives, relative to the package root. */
export const GENERATED_CLIENT_DIR = join('generated', 'prisma');

const PACKAGE_NAME = '@ratecreator/db';

/**
 * The package root: the nearest directory above `from` whose package.json is this package's (dist/ has a package.json
 * of its own that only sets the module type). The same answer from src/ and from every file of dist/.
 */
export function packageRoot(from: string = __filename): string | undefined {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * `require` of the generated client, by a literal relative path that bundlers and file tracers follow (no path is
 * computed at run time). The path is relative to this source file; in dist/, scripts/build.mjs makes it the subpath
 * import '#generated-prisma', which Node and esbuild resolve to the client and webpack (Next.js) to a loader that
 * prefers @prisma/client when that resolves to this client (so that Next traces the query engine beside it).
 */
const requireGenerated = (): unknown => require('../../generated/prisma/index.js');

/**
 * Loads `<package root>/generated/prisma`. Only the provider and the CLI call this, when the client is first needed.
 * `load` is for tests.
 * @throws {ProviderError} when the client has not been generated.
 */
export function loadGeneratedClient(load: () => unknown = requireGenerated): GeneratedPrismaModule {
  try {
    return load() as GeneratedPrismaModule;
  } catch (error) {
    throw new ProviderError(
      'prisma',
      `the generated Prisma client could not be loaded from ${join(GENERATED_CLIENT_DIR, 'index.js')} ` +
        `(${errorMessage(error).split('\n')[0]}); run \`node scripts/prisma-generate.mjs\` in the package`,
      { cause: error },
    );
  }
}
