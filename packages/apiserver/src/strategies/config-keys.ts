// Keys of ConfigMap and Secret data, the size limit and the `immutable` rule both share, as
// Kubernetes validates them.
import { canonicalJson, type Errs } from '@tinykube/api';

/** Kubernetes' MaxSecretSize, also the limit of a ConfigMap's data. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const KEY = /^[-._a-zA-Z0-9]+$/;

/** IsConfigMapKey: what a data key may be (it becomes a file name in a volume). */
export function validateConfigKey(e: Errs, field: string, key: string): void {
  if (key.length > 253) e.invalid(field, key, 'must be no more than 253 characters');
  if (!KEY.test(key))
    e.invalid(field, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (key === '.') e.invalid(field, key, "must not be '.'");
  else if (key === '..') e.invalid(field, key, "must not be '..'");
  else if (key.startsWith('..')) e.invalid(field, key, "must not start with '..'");
}

/** Checks every key of a data map (`field[key]`); returns the bytes its values stand for. */
export function validateDataKeys(e: Errs, field: string, data: Record<string, string> | undefined, bytesOf: (value: string) => number): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(data ?? {})) {
    validateConfigKey(e, `${field}[${key}]`, key);
    bytes += bytesOf(value);
  }
  return bytes;
}

/** Once `immutable` is set it stays set, and the named data fields keep their values. */
export function validateImmutable<T extends { immutable?: boolean }>(e: Errs, next: T, prev: T, fields: (keyof T & string)[]): void {
  if (!prev.immutable) return;
  if (!next.immutable) e.forbidden('immutable', IMMUTABLE);
  for (const f of fields) if (canonicalJson(next[f] ?? {}) !== canonicalJson(prev[f] ?? {})) e.forbidden(f, IMMUTABLE);
}

const IMMUTABLE = 'field is immutable when `immutable` is set';

export function validateConfigSize(e: Errs, bytes: number): void {
  if (bytes > MAX_CONFIG_BYTES) e.list.push({ field: '', type: 'FieldValueTooLong', value: '', detail: `must have at most ${MAX_CONFIG_BYTES} bytes` });
}

/** The bytes a base64 value stands for. */
export function decodedLength(b64: string): number {
  return Buffer.from(b64, 'base64').length;
}
