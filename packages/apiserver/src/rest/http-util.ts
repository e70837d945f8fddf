// Request bodies, content negotiation and Status responses for the REST front door.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors, statusFailure } from '@tinykube/api';

/** Kubernetes' own request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw errors.tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses JSON or YAML by Content-Type; anything malformed is a 400 that names the problem. */
export function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? 'application/json').split(';')[0]!.trim();
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  if (ct.includes('yaml')) {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (ct.includes('protobuf')) throw errors.unsupportedMediaType(ct);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof ApiError ? err.status : statusFailure(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status.code, status);
}

export interface Accept {
  table: boolean;
  /** JSON is acceptable: asked for, or any type. */
  json: boolean;
  includeObject: string;
}

/** Reads the Accept header: Table when asked for meta.k8s.io Table, JSON otherwise. */
export function parseAccept(header: string | undefined, includeObject: string | undefined): Accept {
  const h = header ?? '*/*';
  const parts = h.split(',').map((p) => p.trim());
  const table = parts.some((p) => p.includes('as=Table') && (p.includes('g=meta.k8s.io') || !p.includes('g=')));
  const json = parts.some((p) => {
    const media = p.split(';')[0]!.trim();
    return media === 'application/json' || media === '*/*' || media === 'application/*' || media === 'application/yaml' || media === '';
  });
  return { table, json, includeObject: includeObject ?? 'Metadata' };
}
