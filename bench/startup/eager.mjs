// Reference: the baseline plus eagerly loading every client library, as module-level clients do today.
import 'reflect-metadata';
import 'tsyringe';
import 'pino';
import 'ioredis';
import 'kafkajs';
import 'mongodb';
import 'algoliasearch';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url)('../../generated/prisma/index.js');
} catch {
  // no generated client: the other four still count
}
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ readyMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss }));
