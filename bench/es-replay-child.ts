// A recording proxy in front of an Elasticsearch node, in a child process of its own: the first request with a given
// method, path and body is forwarded to the node and its answer kept; every later one gets that answer again, as
// sent, without the node. The search bench uses it to measure what the client side costs (the provider against the
// raw client) with the node's varying latency taken out. Not a bench itself (bench/run.ts skips it).
// `startEsReplayChild(nodeUrl)` spawns this file (through bench/child.ts); it announces `{ url }` and stops on SIGTERM.
// `GET /_replay/stats` answers how many requests it forwarded and how many it answered itself.
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startServerChild, type ServerChild } from './child.js';

const SELF = fileURLToPath(import.meta.url);

/** The proxy's URL, its PID and how to stop it. */
export type EsReplayChild = ServerChild<{ readonly url: string }>;

interface Recorded {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A JSON body with its object keys sorted, so that the same request serialized in another key order matches. */
function canonical(text: string): string {
  if (text === '') return '';
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sort((value as Record<string, unknown>)[key])]));
  };
  return JSON.stringify(sort(JSON.parse(text)));
}

async function read(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Child-process mode: the proxy to `upstream`, announced as one JSON line; SIGTERM stops it. */
async function serveReplay(upstream: URL): Promise<void> {
  const recorded = new Map<string, Recorded>();
  const stats = { forwarded: 0, replayed: 0 };
  const forward = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<Recorded>((resolve, reject) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host } },
        (response) => void read(response).then((data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }), reject),
      );
      out.on('error', reject);
      out.end(body);
    });
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await read(incoming);
      if (incoming.url === '/_replay/stats') {
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify(stats));
        return;
      }
      const key = `${incoming.method} ${incoming.url?.split('?')[0]} ${canonical(body.toString())}`;
      let answer = recorded.get(key);
      if (answer) stats.replayed++;
      else {
        stats.forwarded++;
        answer = await forward(incoming, body);
        if (answer.status >= 200 && answer.status < 300) recorded.set(key, answer);
      }
      const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _encoding, ...headers } = answer.headers;
      outgoing.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
      outgoing.end(answer.body);
    })().catch((error: Error) => {
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

/** Starts the proxy to the node at `nodeUrl` in a child process and resolves once it listens. */
export function startEsReplayChild(nodeUrl: string): Promise<EsReplayChild> {
  return startServerChild(SELF, [nodeUrl], 'Elasticsearch replay proxy');
}

if (process.argv[1] === SELF) await serveReplay(new URL(process.argv[2]!));
