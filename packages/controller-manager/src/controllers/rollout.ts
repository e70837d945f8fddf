import { scaledValue, type Deployment, type ReplicaSet } from '@tinykube/api';

// The arithmetic of a rolling update, as Kubernetes' deployment controller does it. Pure, so
// the bounds (at most replicas+maxSurge pods, at least replicas-maxUnavailable available) are
// unit-tested.

export function resolveFenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge ?? '25%', replicas, true);
  let unavailable = scaledValue(ru?.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, replicas) };
}

const specReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;
const available = (rs: ReplicaSet): number => rs.status?.availableReplicas ?? 0;

/** How many replicas the new ReplicaSet should have now. */
export function newRSReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return replicas;
  const { maxSurge } = resolveFenceposts(d);
  const current = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const maxTotal = replicas + maxSurge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, up);
}

/** New spec.replicas for each old ReplicaSet (by name), scaling down as far as availability allows. */
export function scaleDownOld(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, old: ReplicaSet[]): Map<string, number> {
  const out = new Map<string, number>();
  const oldCount = old.reduce((n, rs) => n + specReplicas(rs), 0);
  if (oldCount === 0) return out;
  const replicas = d.spec.replicas ?? 1;
  const { maxUnavailable } = resolveFenceposts(d);
  const minAvailable = replicas - maxUnavailable;
  const allCount = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const newUnavailable = newRS ? specReplicas(newRS) - available(newRS) : 0;
  let maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;
  const byAge = [...old].sort((a, b) => (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0));
  const target = new Map(old.map((rs) => [rs.metadata.name!, specReplicas(rs)]));
  // First the unhealthy replicas of old sets: they do not count towards availability.
  for (const rs of byAge) {
    if (maxScaledDown <= 0) break;
    const cur = target.get(rs.metadata.name!)!;
    const unhealthy = cur - available(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown, unhealthy);
    target.set(rs.metadata.name!, cur - n);
    maxScaledDown -= n;
  }
  // Then available ones, as far as the deployment's availability allows.
  const availableNow = all.reduce((n, rs) => n + Math.min(available(rs), target.get(rs.metadata.name!) ?? specReplicas(rs)), 0);
  let canRemove = Math.min(availableNow - minAvailable, maxScaledDown);
  for (const rs of byAge) {
    if (canRemove <= 0) break;
    const cur = target.get(rs.metadata.name!)!;
    const n = Math.min(cur, canRemove);
    target.set(rs.metadata.name!, cur - n);
    canRemove -= n;
  }
  for (const rs of old) if (target.get(rs.metadata.name!) !== specReplicas(rs)) out.set(rs.metadata.name!, target.get(rs.metadata.name!)!);
  return out;
}
