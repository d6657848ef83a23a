import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

/** A free TCP port on loopback (the OS picks it; released before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A fresh temporary directory for one server's files. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ratecreator-db-${prefix}-`));
}

/** Removes a directory made by {@link makeTempDir}. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends `probe` to host:port (over TLS when asked, without verifying) and resolves when any reply arrives.
 * Retries until `timeoutMs` passes.
 */
export async function waitForReply(
  port: number,
  options: { tls?: boolean; probe?: string; timeoutMs?: number; expect?: RegExp } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket: Socket = options.tls
          ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
          : netConnect({ host: '127.0.0.1', port });
        const timer = setTimeout(() => socket.destroy(new Error('no reply')), 1000);
        socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(options.probe ?? 'PING\r\n'));
        socket.once('data', (data) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(data.toString());
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      if (!options.expect || options.expect.test(reply)) return;
      lastError = new Error(`unexpected reply ${JSON.stringify(reply.slice(0, 80))}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`server on port ${port} did not answer: ${String(lastError)}`);
}

/** A server process started by {@link startProcess}. */
export interface ServerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a server with output appended to `logFile`. */
export function startProcess(command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ServerProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) {
    // The spawn failed (typically ENOENT): its 'error' event comes next and, unheard, would crash the caller.
    child.once('error', () => undefined);
    throw new Error(`could not start ${command}: not found on PATH or not executable`);
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const pid = child.pid;
  return {
    pid,
    child,
    exited,
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A server started by {@link startRestartable}: killable and restartable on the same ports with the same files. */
export interface RestartableServer {
  readonly dir: string;
  readonly pid: number;
  /** SIGKILL, to simulate a crash; the files stay for `restart()`. */
  kill(): Promise<void>;
  /** Launches it again and waits until it is ready. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL after `graceMs`) and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Launches a server, waits for `ready`, and returns a handle that can kill, restart and stop it. A launch that
 * never becomes ready is stopped; a failed first launch also removes `dir`.
 */
export async function startRestartable(
  dir: string,
  launch: () => ServerProcess,
  ready: (proc: ServerProcess) => Promise<void>,
  graceMs = 3000,
): Promise<RestartableServer> {
  let proc: ServerProcess;
  const start = async () => {
    proc = launch();
    try {
      await ready(proc);
    } catch (error) {
      await proc.stop(1000);
      throw error;
    }
  };
  try {
    await start();
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    dir,
    get pid() {
      return proc.pid;
    },
    async kill() {
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
    },
    restart: start,
    async stop() {
      await proc.stop(graceMs);
      removeDir(dir);
    },
  };
}
