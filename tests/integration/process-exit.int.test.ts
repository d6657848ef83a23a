import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import '../helpers/servers.js';

const servers = inject('servers');
const fixture = fileURLToPath(new URL('../fixtures/use-and-dispose.ts', import.meta.url));

describe('a process that creates, uses and disposes a container', () => {
  it('exits on its own with no handle left open', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000); // deadline guard only
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(guard);
    expect(signal, `child was killed by the guard; stderr: ${stderr}`).toBeNull();
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ value: String(child.pid), status: 'closed' });
  });
});
