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

/**
 * Runs a TypeScript file under `node --import tsx`, waits for it to print `ready` (or to exit first), sends it `signal`
 * and resolves when it exits; after `guardMs` in all it is killed (SIGKILL), which the outcome's `signal` shows.
 */
export async function signalWhenReady(
  file: string,
  env: NodeJS.ProcessEnv,
  signal: NodeJS.Signals = 'SIGTERM',
  guardMs = 30_000,
): Promise<ChildOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ready: () => void = () => undefined;
  const readySeen = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready')) ready();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  await Promise.race([readySeen, exited]);
  child.kill(signal);
  const [code, exitSignal] = await exited;
  clearTimeout(guard);
  return { code, signal: exitSignal, stdout, stderr };
}
