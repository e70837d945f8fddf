// Request bodies, content negotiation and Status responses for the REST front door.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, statusFailure } from '@tinykube/api';
import { parseJson, parseYamlBody } from '../decode';
import { decodeProtobufBody, PROTOBUF } from './protobuf-body';

/** Kubernetes' own request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** What each request sent and was answered, for the audit log's Request and RequestResponse levels. */
export const exchanged = { requests: new WeakMap<IncomingMessage, Buffer>(), responses: new WeakMap<ServerResponse, unknown>() };

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
  const body = Buffer.concat(chunks);
  exchanged.requests.set(req, body);
  return body;
}

/** The media types a create or update body may have, listed in the 415 as Kubernetes does (protobuf for a few kinds only: protobuf-body.ts). */
const BODY_TYPES = ['application/json', 'application/yaml', PROTOBUF];

/**
 * Parses a create/update body by Content-Type, as Kubernetes negotiates it: JSON (also when no
 * type is given, as Kubernetes defaults to its first), YAML, protobuf for the kinds
 * protobuf-body.ts reads; anything else is a 415. Anything
 * malformed or nested deeper than MAX_DEPTH is a 400 that names the problem.
 */
export function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase() || 'application/json';
  if (ct === 'application/json') return parseJson(buf);
  if (ct === 'application/yaml') return parseYamlBody(buf);
  if (ct === PROTOBUF) return decodeProtobufBody(buf);
  throw errors.unsupportedMediaType(ct, BODY_TYPES);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  exchanged.responses.set(res, body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof ApiError ? err.status : statusFailure(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  // As Kubernetes: a suggested wait comes as Retry-After too (429s of evictions, 503s).
  if (status.details?.retryAfterSeconds) res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
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
