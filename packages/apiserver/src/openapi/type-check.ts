// Types checked against the published schemas when a body is decoded, as Kubernetes' typed
// decoder does: a string where an integer belongs, an object where a list belongs, an int32 out
// of range, a malformed quantity or timestamp is refused by its field path before any code
// that assumes the right type sees it. Enumerated spec fields are checked against their values
// (outside status, which only tinykube's own daemons write). One walk over one table: the
// schemas that kubectl explain also reads.
import { isPlainObject, parseQuantity, type FieldError } from '@tinykube/api';
import { DEFINITIONS, resolveSchema } from './definitions';
import { QUANTITY, TIME, MICRO_TIME, type Schema } from './schema-builders';

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const QUANTITY_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export interface TypeProblems {
  /** Wrong JSON types and out-of-range numbers: the body cannot be decoded (400). */
  types: FieldError[];
  /** Values outside a field's enumeration (422, as validation reports them). */
  values: FieldError[];
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function wrongType(path: string, v: unknown, want: string): FieldError {
  return { field: path, type: 'FieldValueInvalid', value: jsonType(v), detail: `must be of type ${want}` };
}

function checkInteger(path: string, v: unknown, format: unknown, out: TypeProblems): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) return void out.types.push(wrongType(path, v, 'integer'));
  if (format === 'int32' && (v < INT32.min || v > INT32.max)) out.types.push({ field: path, type: 'FieldValueInvalid', value: v, detail: `must be an int32 (between ${INT32.min} and ${INT32.max})` });
  else if (!Number.isSafeInteger(v)) out.types.push({ field: path, type: 'FieldValueInvalid', value: v, detail: `must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` });
}

function walk(value: unknown, schema: Schema, path: string, out: TypeProblems): void {
  // An absent pointer: Kubernetes' decoder leaves the field unset.
  if (value === null || value === undefined) return;
  const s = resolveSchema(schema);
  if (s === DEFINITIONS[QUANTITY]) {
    if (typeof value === 'number' && Number.isFinite(value)) return;
    if (typeof value !== 'string') return void out.types.push(wrongType(path, value, 'string'));
    if (parseQuantity(value) === undefined) out.types.push({ field: path, type: 'FieldValueInvalid', value, detail: `quantities must match the regular expression '${QUANTITY_RE}'` });
    return;
  }
  if (s === DEFINITIONS[TIME] || s === DEFINITIONS[MICRO_TIME]) {
    if (typeof value !== 'string') return void out.types.push(wrongType(path, value, 'string'));
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) out.types.push({ field: path, type: 'FieldValueInvalid', value, detail: 'must be a timestamp in RFC 3339 form, e.g. 2006-01-02T15:04:05Z' });
    return;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeof value === 'string') return;
    checkInteger(path, value, 'int32', out);
    return;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] && s['type'] === undefined) return;
  switch (s['type']) {
    case 'string':
      if (typeof value !== 'string') return void out.types.push(wrongType(path, value, 'string'));
      if (s['format'] === 'byte') checkBase64(path, value, out);
      checkEnum(path, value, s, out);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.types.push(wrongType(path, value, 'boolean'));
      return;
    case 'integer':
      return checkInteger(path, value, s['format'], out);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) out.types.push(wrongType(path, value, 'number'));
      return;
    case 'array':
      if (!Array.isArray(value)) return void out.types.push(wrongType(path, value, 'array'));
      if (!s['items']) return;
      value.forEach((v, i) => {
        // A null item is no absent pointer: it is a wrong value in the list.
        if (v === null) out.types.push(wrongType(`${path}[${i}]`, v, itemType(s['items'] as Schema)));
        else walk(v, s['items'] as Schema, `${path}[${i}]`, out);
      });
      return;
    case 'object':
    case undefined: {
      if (!isPlainObject(value)) {
        if (s['type'] === 'object' || s['properties']) out.types.push(wrongType(path, value, 'object'));
        return;
      }
      if (s['x-kubernetes-preserve-unknown-fields']) return;
      const properties = s['properties'] as Record<string, Schema> | undefined;
      const extra = s['additionalProperties'] as Schema | undefined;
      for (const [key, v] of Object.entries(value)) {
        const field = properties?.[key] ?? extra;
        // Unknown fields are the unknown-field check's to report.
        if (field) walk(v, field, path ? `${path}.${key}` : key, out);
      }
    }
  }
}

/** A []byte field: standard base64 with padding, as Go's decoder reads it (line breaks ignored). */
function checkBase64(path: string, value: string, out: TypeProblems): void {
  const text = value.replace(/[\r\n]/g, '');
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  const padding = text.indexOf('=');
  const at = bad >= 0 ? bad : padding >= 0 && !/^={1,2}$/.test(text.slice(padding)) ? padding : text.length % 4 !== 0 ? text.length - (text.length % 4) : -1;
  if (at >= 0) out.types.push({ field: path, type: 'FieldValueInvalid', value: '<bytes>', detail: `illegal base64 data at input byte ${at}` });
}

function itemType(items: Schema): string {
  const s = resolveSchema(items);
  return typeof s['type'] === 'string' ? s['type'] : s['x-kubernetes-int-or-string'] ? 'integer or string' : 'object';
}

function checkEnum(path: string, value: string, s: Schema, out: TypeProblems): void {
  const values = s['enum'] as string[] | undefined;
  if (!values || value === '' || values.includes(value) || path === 'status' || path.startsWith('status.')) return;
  out.values.push({ field: path, type: 'FieldValueNotSupported', value, detail: `supported values: ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

/** The type and enumeration problems of `obj` against definition `name`. */
export function typeProblems(obj: unknown, name: string): TypeProblems {
  const out: TypeProblems = { types: [], values: [] };
  const schema = DEFINITIONS[name];
  if (schema) walk(obj, schema, '', out);
  return out;
}
