import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { LocalSearchParams } from './algolia-index.js';

/** An error answered with its status and `{ message, status }`, as Algolia does. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A parsed JSON request body. */
export type Body = Record<string, unknown>;

/** Parameters from a JSON body, with an Algolia `params` query string (legacy form) merged in. */
export function searchParams(body: Body): LocalSearchParams {
  const out: Record<string, unknown> = { ...body };
  if (typeof body.params === 'string') {
    for (const [key, raw] of new URLSearchParams(body.params)) {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        out[key] = raw;
      }
    }
  }
  return out as LocalSearchParams;
}

/** Reads a JSON body (gzip allowed); empty is `{}`. @throws {HttpError} 400 for anything else. */
export async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let buffer = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') buffer = gunzipSync(buffer);
  if (buffer.length === 0) return {};
  try {
    const parsed = JSON.parse(buffer.toString('utf8')) as unknown;
    if (parsed !== null && typeof parsed === 'object') return parsed as Body;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'Invalid JSON body');
}
