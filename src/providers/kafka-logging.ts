import type { LogEntry, logCreator, logLevel as KafkaLogLevel } from 'kafkajs';
import type { Logger } from './logger.js';

/** kafkajs' numeric levels (its `logLevel` enum, repeated here so that this file does not load kafkajs). */
const KAFKA_LEVEL = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

/** A repeated warning or error within this window is logged at debug: one line per outage, not one per retry. */
const REPEAT_WINDOW_MS = 30_000;

/** The kafkajs level that produces what `logger` would print, so kafkajs never builds lines pino drops. */
export function kafkaLogLevel(logger: Logger): KafkaLogLevel {
  const value = logger.levelVal;
  const level =
    value >= Infinity ? KAFKA_LEVEL.NOTHING
      : value > 40 ? KAFKA_LEVEL.ERROR
        : value > 30 ? KAFKA_LEVEL.WARN
          : value > 20 ? KAFKA_LEVEL.INFO
            : KAFKA_LEVEL.DEBUG;
  return level as KafkaLogLevel;
}

/**
 * A kafkajs `logCreator` that writes every kafkajs line to the provider's pino logger: the kafkajs namespace as
 * `kafkajs`, its extra fields as fields (so the logger's redaction applies), the message as the message.
 * A warning or error whose namespace and message were already logged within 30 s is logged at debug: a retry
 * loop repeats the same few lines on every attempt.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  const recent = new Map<string, number>();
  const isRepeat = (key: string): boolean => {
    const now = Date.now();
    const last = recent.get(key);
    if (recent.size > 200) recent.clear();
    recent.set(key, now);
    return last !== undefined && now - last < REPEAT_WINDOW_MS;
  };
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _source, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      if (level === KAFKA_LEVEL.ERROR || level === KAFKA_LEVEL.WARN) {
        if (isRepeat(`${namespace}\u0000${message}`)) logger.debug(entry, `${message} (repeated)`);
        else if (level === KAFKA_LEVEL.ERROR) logger.error(entry, message);
        else logger.warn(entry, message);
      } else if (level === KAFKA_LEVEL.INFO) {
        logger.info(entry, message);
      } else {
        logger.debug(entry, message);
      }
    };
}
