import type { Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

// node:net and node:tls are required with the first connection, not at import: they cost start-up to every app.

/** TCP keep-alive delay kafkajs' own socket factory uses. */
const KEEP_ALIVE_MS = 60_000;

/**
 * The sockets one kafkajs client opened. kafkajs has no way to abort its connections from outside (a consumer
 * stuck in a handler never reaches its own disconnect), so the provider hands kafkajs this pool's
 * {@link SocketPool.factory} and can refuse new connections and destroy the open ones on a hard close.
 */
export class SocketPool {
  readonly #sockets = new Set<Socket>();
  #closed = false;

  /** Sockets currently open. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Sockets that finished connecting and are still usable: 0 means no broker can be reached through this pool. */
  get connected(): number {
    let count = 0;
    for (const socket of this.#sockets) if (!socket.connecting && !socket.destroyed && socket.writable) count++;
    return count;
  }

  /** True once the pool refuses new connections. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A kafkajs `socketFactory`: the same sockets as kafkajs' default one, tracked; throws once the pool is closed. */
  factory(): ISocketFactory {
    const { isIP, connect: netConnect } = require('node:net') as typeof import('node:net');
    const { connect: tlsConnect } = require('node:tls') as typeof import('node:tls');
    return ({ host, port, ssl, onConnect }) => {
      // kafkajs turns this into a KafkaJSConnectionError for the request that wanted the connection.
      if (this.#closed) throw new Error('connections are closed: the Kafka provider is shutting down');
      const socket = ssl
        ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
        : netConnect({ host, port }, onConnect);
      socket.setKeepAlive(true, KEEP_ALIVE_MS);
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      // kafkajs adds its own error listener; this one only keeps a hard close from ever becoming an uncaught error.
      socket.on('error', () => undefined);
      return socket;
    };
  }

  /** Refuses new connections from now on; open ones are left to close normally. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Refuses new connections and destroys the open ones with an error, so kafkajs fails the requests waiting on them
   * at once instead of after its request timeout. Returns how many were destroyed.
   */
  destroy(): number {
    this.#closed = true;
    const count = this.#sockets.size;
    const error = new Error('connection destroyed: the Kafka provider closed it after its shutdown budget ran out');
    for (const socket of this.#sockets) socket.destroy(error);
    this.#sockets.clear();
    return count;
  }
}
