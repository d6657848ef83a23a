// Spawns a server module of bench/ in a child process of its own (so that its work does not share the bench's event
// loop) and waits for the one JSON line it announces itself with. Not a bench itself (bench/run.ts skips it).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a server child announced, plus its PID and how to stop it. */
export type ServerChild<T> = T & {
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the child has exited. */
  stop(): Promise<void>;
};

/** Runs `file` (a bench/ module) with `args` and resolves with what it announced (30 s at most); `what` names it in errors. */
export async function startServerChild<T>(file: string, args: readonly string[], what: string): Promise<ServerChild<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then(() => Promise.reject(new Error(`the ${what} child exited before it answered`))),
    sleep(30_000).then(() => Promise.reject(new Error(`the ${what} child did not answer within 30 s`))),
  ]).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  lines.close();
  child.stdout.destroy();
  return { ...(JSON.parse(first) as T), pid: child.pid!, stop };
}
