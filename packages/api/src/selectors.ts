// Label selectors (matchLabels/matchExpressions and the `a=b,c!=d,e in (x,y),!f` string form)
// and field selectors.
import { errors } from './errors';
import type { LabelSelector } from './meta';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

/** A parsed selector; the empty selector matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  static everything(): Selector {
    return new Selector([]);
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case 'Equals':
        case 'In':
          return has && r.values.includes(v as string);
        case 'NotEquals':
        case 'NotIn':
          return !has || !r.values.includes(v as string);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
      }
    });
  }

  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case 'Equals':
            return `${r.key}=${r.values[0]}`;
          case 'NotEquals':
            return `${r.key}!=${r.values[0]}`;
          case 'In':
            return `${r.key} in (${[...r.values].sort().join(',')})`;
          case 'NotIn':
            return `${r.key} notin (${[...r.values].sort().join(',')})`;
          case 'Exists':
            return r.key;
          case 'DoesNotExist':
            return `!${r.key}`;
        }
      })
      .join(',');
  }
}

/** Converts a metav1.LabelSelector. A null selector matches nothing; an empty one matches everything. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector | null {
  if (ls == null) return null;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    reqs.push({ key: k, op: 'Equals', values: [v] });
  }
  for (const e of ls.matchExpressions ?? []) {
    reqs.push({ key: e.key, op: e.operator, values: [...(e.values ?? [])] });
  }
  return new Selector(reqs);
}

/** `app=web,tier=front` from a map, as `kubectl` and the scale subresource print selectors. */
export function selectorStringFromLabelSelector(ls: LabelSelector | undefined): string {
  return selectorFromLabelSelector(ls ?? {})?.toString() ?? '';
}

const keyRe = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * The longest selector string accepted. Over REST a query string can carry no more (Node's
 * request-header limit, answered 431), so gRPC clients get the same bound: a longer one is a 400
 * rather than thousands of requirements matched against every object of a list.
 */
export const MAX_SELECTOR_LENGTH = 16384;

function boundedSelector(param: string, input: string | undefined | null): string {
  const s = input ?? '';
  if (s.length > MAX_SELECTOR_LENGTH) throw errors.badRequest(`${param}: Too long: may not be more than ${MAX_SELECTOR_LENGTH} bytes`);
  return s.trim();
}

/** Parses the string form of a label selector; throws a 400 ApiError on bad syntax. */
export function parseSelector(input: string | undefined | null): Selector {
  const s = boundedSelector('labelSelector', input);
  if (s === '') return Selector.everything();
  const reqs: Requirement[] = [];
  for (const rawPart of splitTop(s)) {
    const part = rawPart.trim();
    if (part === '') throw errors.badRequest(`unable to parse requirement: found '', expected: identifier in selector "${s}"`);
    let m: RegExpMatchArray | null;
    let r: Requirement;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      r = { key: m[1] as string, op: m[2] === 'in' ? 'In' : 'NotIn', values };
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      r = { key: m[1] as string, op: m[2] === '!=' ? 'NotEquals' : 'Equals', values: [m[3] as string] };
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      r = { key: m[1] as string, op: 'DoesNotExist', values: [] };
    } else if ((m = part.match(/^(\S+)$/))) {
      r = { key: m[1] as string, op: 'Exists', values: [] };
    } else {
      throw errors.badRequest(`unable to parse requirement: "${part}" in selector "${s}"`);
    }
    if (!keyRe.test(r.key)) throw errors.badRequest(`invalid label key "${r.key}" in selector "${s}"`);
    for (const v of r.values) {
      if (v.length > 63 || !valueRe.test(v)) throw errors.badRequest(`invalid label value: "${v}" in selector "${s}"`);
    }
    reqs.push(r);
  }
  return new Selector(reqs);
}

/** Field selectors: `metadata.name=x,spec.nodeName!=y`. Only = / == / != are allowed. */
export interface FieldRequirement {
  field: string;
  op: 'Equals' | 'NotEquals';
  value: string;
}

export function parseFieldSelector(input: string | undefined | null, allowed: readonly string[]): FieldRequirement[] {
  const s = boundedSelector('fieldSelector', input);
  if (s === '') return [];
  return s.split(',').map((part) => {
    const m = part.trim().match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw errors.badRequest(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = m[1] as string;
    if (!allowed.includes(field)) throw errors.badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? 'NotEquals' : 'Equals', value: m[3] as string };
  });
}

/** Reads a dotted path such as `spec.nodeName` from an object. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur == null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur == null ? '' : String(cur);
}

export function matchesFields(obj: unknown, reqs: readonly FieldRequirement[]): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === 'Equals'));
}
