import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/providers/logger.js';

/** A logger at `trace` whose lines are kept in memory, for asserting on (and searching for secrets in) log output. */
export function captureLogs(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', destination: stream });
  return { logger, lines, text: () => lines.join('\n') };
}
