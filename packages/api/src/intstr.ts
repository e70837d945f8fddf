// IntOrString helpers: resolving "25%" against a total as Kubernetes does.
import type { IntOrString } from './meta';

/** Scaled value of an int-or-percent; percentages round up or down as asked. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = v.match(/^(\d+)%$/);
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: ${v}`);
  }
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

export function isValidIntOrPercent(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0;
  return typeof v === 'string' && /^\d+%$/.test(v);
}
