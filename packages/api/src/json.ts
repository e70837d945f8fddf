// JSON that equal objects always serialise the same way: keys sorted at every level, so key
// order never makes two equal objects differ; and the merge patch of RFC 7386.
import { isPlainObject } from './object-util';

function sorted(dropNulls: boolean) {
  return (_k: string, x: unknown): unknown =>
    isPlainObject(x)
      ? Object.fromEntries(
          Object.entries(x)
            .filter(([, v]) => !dropNulls || v != null)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x;
}

/** JSON with object keys sorted; a null field stays, unlike an absent one. */
export function canonicalJson(v: unknown): string {
  return String(JSON.stringify(v, sorted(false)));
}

/**
 * As canonicalJson, with null fields dropped like absent ones, as Kubernetes' semantic equality
 * treats a null creationTimestamp. Template hashes are taken over this text: do not change it.
 */
export function semanticJson(v: unknown): string {
  return String(JSON.stringify(v, sorted(true)));
}

/** A status with the times of its conditions removed, to tell whether anything else changed. */
export function withoutConditionTimes<S extends { conditions?: object[] }>(s: S): S {
  if (!s.conditions) return s;
  return { ...s, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined, lastUpdateTime: undefined, lastProbeTime: undefined, lastHeartbeatTime: undefined })) };
}

/** JSON merge patch (RFC 7386): objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
