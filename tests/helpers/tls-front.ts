import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TestCertificates } from '../../scripts/servers/certs.js';

/** A TLS listener on loopback that passes each connection on to a plain TCP port. */
export interface TlsFront {
  readonly port: number;
  /** Destroys every proxied socket and closes the listener. */
  close(): Promise<void>;
}

/**
 * A TLS front for a server that speaks plain TCP only (the test Elasticsearch node runs with security off): the test
 * CA signed its certificate, so clients with `certs.caFile` verify it and clients with `certs.wrongCaFile` do not.
 */
export async function startTlsFront(targetPort: number, certs: TestCertificates): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, (client) => {
    const upstream = netConnect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  // A client that refuses the certificate aborts the handshake: expected here.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
