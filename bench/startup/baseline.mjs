// Baseline: what every process using the package pays anyway (tsyringe + reflect-metadata + pino).
import 'reflect-metadata';
import { container } from 'tsyringe';
import { pino } from 'pino';

const child = container.createChildContainer();
const logger = pino({ level: 'silent' });
child.register('logger', { useValue: logger });
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ readyMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss }));
