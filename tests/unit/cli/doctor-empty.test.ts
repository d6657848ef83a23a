// `doctor` with nothing configured says so and fails: "all up" over zero providers would be a lie.
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctorCommand, formatDoctor, runDoctor } from '../../../src/cli/doctor.js';

const emptyDir = mkdtempSync(join(tmpdir(), 'doctor-empty-'));

describe('ratecreator-db doctor with no provider configured', () => {
  it('reports nothingConfigured, is not ok, and names the variables to set', async () => {
    const result = await runDoctor({}, 1000);
    expect(result).toMatchObject({ ok: false, nothingConfigured: true, configIssues: [] });
    expect(result.rows.map((row) => row.status)).toEqual(result.rows.map(() => 'not_configured'));
    const text = formatDoctor(result);
    expect(text).toMatch(/No provider is configured: set at least one of REDIS_URL, REDIS_HOST, KAFKA_SERVICE_URI/);
    expect(text).not.toMatch(/are up/);
  });

  it('exits 1 in both formats', async () => {
    for (const args of [[], ['--json']]) {
      let out = '';
      const code = await doctorCommand(args, { env: {}, cwd: emptyDir, write: (text) => (out += text) });
      expect(code).toBe(1);
      expect(out).toMatch(args.length ? /"nothingConfigured": true/ : /No provider is configured/);
    }
  });
});
