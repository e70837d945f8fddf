import { tolerates, type Pod, type Taint } from '@tinykube/api';

/** How long a pod tolerates a NoExecute taint: seconds, 'forever', or 'none'. */
export function tolerationFor(p: Pod, taint: Taint): number | 'forever' | 'none' {
  let best: number | 'forever' | 'none' = 'none';
  for (const t of p.spec.tolerations ?? []) {
    if (!tolerates(t, taint)) continue;
    if (t.tolerationSeconds === undefined) return 'forever';
    best = best === 'none' ? Math.max(0, t.tolerationSeconds) : Math.max(best, t.tolerationSeconds);
  }
  return best;
}
