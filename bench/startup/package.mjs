// The package: import, createDbContainer(), resolve every provider without using it.
import * as api from '@ratecreator/db';

const container = api.createDbContainer({
  env: { LOG_LEVEL: 'silent', REDIS_HOST: '127.0.0.1', KAFKA_SERVICE_URI: '127.0.0.1:9092', DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:27017/db', ALGOLIA_APP_ID: 'APP', ALGOLIA_WRITE_API_KEY: 'key' },
});
const providers = Object.entries(api).filter(([name, value]) => name.endsWith('Provider') && name !== 'LazyProvider' && typeof value === 'function');
for (const [, Provider] of providers) container.resolve(Provider);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ readyMs: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss, providers: providers.length }));
