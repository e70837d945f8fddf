import type { Pod, Taint } from '@tinykube/api';

/** How long a pod tolerates a NoExecute taint: seconds, 'forever', or 'none'. */
export function tolerationFor(p: Pod, taint: Taint): number | 'forever' | 'none' {
  let best: number | 'forever' | 'none' = 'none';
  for (const t of p.spec.tolerations ?? []) {
    if (t.effect && t.effect !== taint.effect) continue;
    const keyOk = t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
    if (!keyOk) continue;
    if (t.tolerationSeconds === undefined) return 'forever';
    best = best === 'none' ? Math.max(0, t.tolerationSeconds) : Math.max(best, t.tolerationSeconds);
  }
  return best;
}
