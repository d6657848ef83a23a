// ratecreator-db-codemod prisma-imports (scripts/codemod-prisma-imports.mjs): app files that imported enums, model
// types or PrismaClient from @prisma/client import them from @ratecreator/db/client, and then compile and run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewritePrismaImports } from '../../scripts/codemod-prisma-imports.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const script = join(root, 'scripts', 'codemod-prisma-imports.mjs');

describe('rewritePrismaImports', () => {
  it('moves every module specifier of @prisma/client, and only those', () => {
    const source = [
      "import { UserRole } from '@prisma/client';",
      'import type { User, Post } from "@prisma/client";',
      "import * as db from '@prisma/client'",
      "export { Platform } from '@prisma/client';",
      "import '@prisma/client';",
      "const lazy = await import('@prisma/client');",
      "const { VoteType } = require( '@prisma/client' );",
      "import runtime = require('@prisma/client');",
      "import { Decimal } from '@prisma/client/runtime/library';",
      "const name = '@prisma/client';",
      "import { other } from '@prisma/clients';",
    ].join('\n');
    const { text, changes } = rewritePrismaImports(source);
    expect(text.split('\n')).toEqual([
      "import { UserRole } from '@ratecreator/db/client';",
      'import type { User, Post } from "@ratecreator/db/client";',
      "import * as db from '@ratecreator/db/client'",
      "export { Platform } from '@ratecreator/db/client';",
      "import '@ratecreator/db/client';",
      "const lazy = await import('@ratecreator/db/client');",
      "const { VoteType } = require( '@ratecreator/db/client' );",
      "import runtime = require('@ratecreator/db/client');",
      "import { Decimal } from '@prisma/client/runtime/library';",
      "const name = '@prisma/client';",
      "import { other } from '@prisma/clients';",
    ]);
    expect(changes.map((change) => change.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(changes[0]).toEqual({ line: 1, before: "import { UserRole } from '@prisma/client';", after: "import { UserRole } from '@ratecreator/db/client';" });
  });

  it('leaves a file without such imports as it is', () => {
    const source = "import { getPrismaClient } from '@ratecreator/db/client';\n";
    expect(rewritePrismaImports(source)).toEqual({ text: source, changes: [] });
  });
});

describe('the codemod on app files like the four that import from @prisma/client', () => {
  // Inside the repository (.cache/), so that `@ratecreator/db/client` resolves to this package (its built dist/) by
  // the package's own name, as it resolves from an app's node_modules.
  let app: string;
  beforeAll(() => {
    mkdirSync(join(root, '.cache'), { recursive: true });
    app = mkdtempSync(join(root, '.cache', 'codemod-app-'));
    const files: Record<string, string> = {
      // The user-sync consumer: a CommonJS service.
      'src/user-sync.cts': [
        "import { UserRole } from '@prisma/client';",
        'const roles: UserRole[] = [UserRole.USER, UserRole.WRITER];',
        'process.stdout.write(JSON.stringify({ writer: UserRole.WRITER, roles }));',
        '',
      ].join('\n'),
      'src/authors.ts': [
        "import { UserRole, type User, type Prisma } from '@prisma/client';",
        "export const isWriter = (user: Pick<User, 'role'>): boolean => user.role.includes(UserRole.WRITER);",
        'export type PostWithAuthor = Prisma.PostGetPayload<{ include: { author: true } }>;',
        '',
      ].join('\n'),
      'src/counts.ts': [
        'import type { PrismaClient } from "@prisma/client";',
        "import { $Enums } from '@prisma/client';",
        'export const published = (db: PrismaClient) => db.post.count({ where: { status: $Enums.PostStatus.PUBLISHED } });',
        '',
      ].join('\n'),
      'src/make-client.ts': [
        "import { PrismaClient, Platform } from '@prisma/client';",
        "export const make = (url: string): PrismaClient => new PrismaClient({ datasourceUrl: url });",
        'export const youtube: Platform = Platform.YOUTUBE;',
        '',
      ].join('\n'),
      'node_modules/ignored/index.ts': "import { UserRole } from '@prisma/client';\n",
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
        include: ['src'],
      }),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(app, path, '..'), { recursive: true });
      writeFileSync(join(app, path), text);
    }
  });
  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  const codemod = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('--check lists each change and fails; a run makes them; then --check passes', () => {
    const checked = codemod('prisma-imports', '--check', join(app, 'src'));
    expect(checked.status).toBe(1);
    expect(checked.stdout).toContain(`${join(app, 'src', 'user-sync.cts')}:1: import { UserRole } from '@prisma/client'; -> import { UserRole } from '@ratecreator/db/client';`);
    expect(checked.stdout).toMatch(/4 files would change: @prisma\/client -> @ratecreator\/db\/client\n$/);
    expect(readFileSync(join(app, 'src', 'authors.ts'), 'utf8')).toContain("from '@prisma/client'");

    const ran = codemod('prisma-imports', app);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/4 files changed/);
    expect(readFileSync(join(app, 'src', 'counts.ts'), 'utf8')).toBe(
      'import type { PrismaClient } from "@ratecreator/db/client";\nimport { $Enums } from \'@ratecreator/db/client\';\n' +
        'export const published = (db: PrismaClient) => db.post.count({ where: { status: $Enums.PostStatus.PUBLISHED } });\n',
    );
    expect(readFileSync(join(app, 'node_modules', 'ignored', 'index.ts'), 'utf8')).toContain('@prisma/client');
    expect(codemod('prisma-imports', '--check', app)).toMatchObject({ status: 0, stdout: 'no import of @prisma/client found\n' });
    expect(codemod('prisma-imports').status).toBe(2);
  });

  it('the changed files type-check against the package (nodenext, ES module and CommonJS files)', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it('and run, compiled to CommonJS as the service is: UserRole.WRITER is WRITER', () => {
    const out = join(app, 'out', 'user-sync.cjs');
    execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join(app, 'src', 'user-sync.cts'), '--format=cjs', '--platform=node', `--outfile=${out}`, '--log-level=error']);
    const output = execFileSync(process.execPath, [out], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(JSON.parse(output)).toEqual({ writer: 'WRITER', roles: ['USER', 'WRITER'] });
  });
});
