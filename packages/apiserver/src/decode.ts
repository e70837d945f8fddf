// Request bodies to values, for REST and gRPC alike: JSON or YAML, never nested deeper than
// MAX_DEPTH (checked without recursion, so a hostile body cannot exhaust the stack).
import { parse as parseYaml } from 'yaml';
import { errors } from '@tinykube/api';

/** Deepest nesting a body may have; Kubernetes' objects need a few dozen levels. */
export const MAX_DEPTH = 1000;

export function parseJson(buf: Buffer): unknown {
  const text = nonEmpty(buf);
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

export function parseYamlBody(buf: Buffer): unknown {
  const text = nonEmpty(buf);
  let out: unknown;
  try {
    out = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (depthOf(out) > MAX_DEPTH) throw tooDeep();
  return out;
}

function nonEmpty(buf: Buffer): string {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  return text;
}

function tooDeep(): Error {
  return errors.badRequest(`error decoding request body: the body nests deeper than ${MAX_DEPTH} levels`);
}

/** JSON nesting depth by a scan of the text (no recursion), so a hostile body cannot exhaust the stack. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) throw tooDeep();
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Nesting depth of a parsed value, iteratively. */
function depthOf(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    max = Math.max(max, d + 1);
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(x)) stack.push([child, d + 1]);
  }
  return max;
}

