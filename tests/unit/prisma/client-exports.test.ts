import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as client from '../../../src/compat/client.js';
import { loadGeneratedClient } from '../../helpers/prisma-engine.js';
import { runTsChild } from '../../helpers/run-child.js';

// `@ratecreator/db/client` exports the schema's enums as values, as apps import them from a generated client
// (`UserRole.WRITER`). They are defined in src/compat/prisma-enums.ts so that importing them loads no Prisma code.
const { datamodel } = loadGeneratedClient().Prisma.dmmf;
const generated = loadGeneratedClient() as unknown as Record<string, unknown>;

describe('@ratecreator/db/client enums', () => {
  it('exports every enum of the schema, equal to the generated client’s', () => {
    const exported = client as unknown as Record<string, unknown>;
    expect(datamodel.enums.map((e) => e.name).filter((name) => !(name in exported))).toEqual([]);
    for (const { name, values } of datamodel.enums) {
      expect(exported[name], name).toEqual(Object.fromEntries(values.map((v) => [v.name, v.name])));
      expect(exported[name], name).toEqual(generated[name]);
    }
    expect(client.UserRole.WRITER).toBe('WRITER');
  });

  it('importing them loads neither the generated client nor @prisma/client', async () => {
    const fixture = fileURLToPath(new URL('../../fixtures/client-enums.ts', import.meta.url));
    const child = await runTsChild(fixture, { PATH: process.env.PATH, LOG_LEVEL: 'silent' }, 30_000);
    expect(child.code, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ writer: 'WRITER', deleted: 'DELETED', loaded: [] });
  });
});
