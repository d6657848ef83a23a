import { main, type CliIo } from '../../src/cli/main.js';

/** An environment that fails the test when read: help and usage errors must not look at the configuration. */
export const untouchableEnv = new Proxy({} as Record<string, string>, {
  get: (_, key) => {
    if (typeof key === 'symbol') return undefined;
    throw new Error(`the environment was read (${key})`);
  },
  ownKeys: () => {
    throw new Error('the environment was listed');
  },
});

/** `ratecreator-db <argv>` through `main`, as the bin runs it, with {@link untouchableEnv}: exit code and output. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = { env: untouchableEnv, cwd: '/nonexistent-ratecreator-db-cwd', write: (text) => (out += text) };
  const code = await main(argv, io);
  return { code, out };
}
