import type { TestProject } from 'vitest/node';
import { makeTestCertificates } from '../../scripts/servers/certs.js';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { startCluster, startRedis, startSentinelSetup } from '../../scripts/servers/redis.js';
import type { LocalServers } from './servers.js';

/** Starts every shared local server once for the whole run and stops them afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const certDir = makeTempDir('certs');
  const certs = makeTestCertificates(certDir);
  const user = { name: 'app', password: `pw-${Math.random().toString(36).slice(2)}-secret` };
  const started = await Promise.allSettled([
    startRedis(),
    startRedis({ tls: certs }),
    startRedis({ user }),
    startSentinelSetup(),
    startCluster(3),
  ] as const);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // Stop whatever did start before reporting the failure.
    await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    removeDir(certDir);
    throw failed.reason;
  }
  const [plain, tls, acl, sentinel, cluster] = started.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startRedis>>, Awaited<ReturnType<typeof startRedis>>, Awaited<ReturnType<typeof startRedis>>,
    Awaited<ReturnType<typeof startSentinelSetup>>, Awaited<ReturnType<typeof startCluster>>,
  ];
  const servers: LocalServers = {
    certs,
    redis: {
      plain: plain.port,
      tls: tls.port,
      acl: { port: acl.port, username: user.name, password: user.password },
      sentinel: { ports: [sentinel.sentinel.port], name: sentinel.name, master: sentinel.master.port },
      cluster: cluster.nodes.map((node) => node.port),
    },
  };
  project.provide('servers', servers);
  return async () => {
    await Promise.all([plain.stop(), tls.stop(), acl.stop(), sentinel.stop(), cluster.stop()]);
    removeDir(certDir);
  };
}
