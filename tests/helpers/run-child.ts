import { spawn } from 'node:child_process';

/** How a child process ended. */
export interface ChildOutcome {
  readonly code: number | null;
  /** Set when the guard had to kill it. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a TypeScript file (with `args`) under `node --import tsx` and resolves when it exits by itself; after `guardMs` it is
 * killed (SIGKILL), which the outcome's `signal` shows. The guard is a deadline, not a measurement.
 */
export async function runTsChild(
  file: string,
  env: NodeJS.ProcessEnv,
  guardMs = 20_000,
  args: readonly string[] = [],
): Promise<ChildOutcome & { pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(guard);
  return { pid: child.pid ?? -1, code, signal, stdout, stderr };
}
