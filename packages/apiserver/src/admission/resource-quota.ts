// ResourceQuota, as Kubernetes' quota admission: a write that would take a namespace past one of
// its quotas' hard limits is refused with Kubernetes' "exceeded quota" 403; otherwise what it
// uses is charged to each quota's status.used at once (a compare-and-swap on the quota), so two
// concurrent creates cannot both take the last unit. The quota controller recounts from what
// exists, which returns what deletions and failed writes free.
import { ApiError, errors, formatQuantity, parseQuantity, qualifiedResource, quotaUsage, computeQuotaResource, containersMissing, type Pod, type ResourceQuota } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';

const CAS_RETRIES = 10;

export interface QuotaAccess {
  /** The namespace's quotas as the watch cache has them. */
  cached(ns: string): ResourceQuota[];
  /** The quota as stored now. */
  get(ns: string, name: string): Promise<ResourceQuota | undefined>;
  /** Writes status; a stale resourceVersion is a 409 ApiError. */
  updateStatus(q: ResourceQuota): Promise<void>;
}

const pretty = (m: Map<string, string>): string =>
  [...m.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';

  constructor(private readonly access: QuotaAccess) {}

  async validate(a: Attributes): Promise<void> {
    if (a.subresource || !a.namespace || !a.object) return;
    // Updates change usage only for Services (type, ports) and claims (size); pods' resources do not change.
    if (a.operation === 'UPDATE' && a.resource.kind !== 'Service' && a.resource.kind !== 'PersistentVolumeClaim') return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    for (const q of this.access.cached(a.namespace)) {
      // Only a quota that counts something of this object is read again from etcd and charged.
      if (quotaUsage(a.resource, a.object, Object.keys(q.spec?.hard ?? {})).size === 0) continue;
      await this.charge(a, q.metadata.name!);
    }
  }

  /** Checks one quota and charges it, re-reading it when another write charged it first. */
  private async charge(a: Attributes, quotaName: string): Promise<void> {
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const q = await this.access.get(a.namespace!, quotaName);
      const hard = q?.spec?.hard ?? {};
      if (!q || !Object.keys(hard).length) return;
      const delta = quotaUsage(a.resource, a.object!, Object.keys(hard));
      if (a.oldObject) for (const [k, v] of quotaUsage(a.resource, a.oldObject, Object.keys(hard))) delta.set(k, (delta.get(k) ?? 0) - v);
      for (const [k, v] of delta) if (v <= 0) delta.delete(k);
      if (!delta.size && a.resource.kind !== 'Pod') return;
      const fail = (m: string): ApiError => errors.forbidden(`${qualifiedResource(a.resource)} "${a.name}" is forbidden: ${m}`);
      // A quota on a compute resource needs every container to say how much of it it wants.
      if (a.resource.kind === 'Pod' && a.operation === 'CREATE') {
        const pod = a.object as Pod;
        const missing = Object.keys(hard)
          .filter((k) => {
            const c = computeQuotaResource(k);
            return c && (c.resource === 'cpu' || c.resource === 'memory') && containersMissing(pod, c.which, c.resource).length > 0;
          })
          .sort();
        if (missing.length && (pod.status?.phase ?? '') !== 'Succeeded' && pod.status?.phase !== 'Failed') throw fail(`failed quota: ${quotaName}: must specify ${missing.join(',')}`);
      }
      if (!delta.size) return;
      const used = q.status?.used;
      const unknown = [...delta.keys()].filter((k) => used?.[k] === undefined || q.status?.hard?.[k] === undefined).sort();
      if (unknown.length) throw fail(`status unknown for quota: ${quotaName}, resources: ${unknown.join(',')}`);
      const exceeded = [...delta.keys()].filter((k) => (parseQuantity(used![k]!) ?? 0) + delta.get(k)! > (parseQuantity(hard[k]!) ?? 0) + 1e-9);
      if (exceeded.length) {
        const pick = (f: (k: string) => string): Map<string, string> => new Map(exceeded.map((k) => [k, f(k)]));
        throw fail(`exceeded quota: ${quotaName}, requested: ${pretty(pick((k) => formatQuantity(k, delta.get(k)!)))}, used: ${pretty(pick((k) => used![k]!))}, limited: ${pretty(pick((k) => hard[k]!))}`);
      }
      if (a.dryRun) return;
      const next: ResourceQuota = { ...q, status: { ...q.status, used: { ...used } } };
      for (const [k, v] of delta) next.status!.used![k] = formatQuantity(k, (parseQuantity(used![k]!) ?? 0) + v);
      try {
        await this.access.updateStatus(next);
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      }
    }
    throw errors.conflict('resourcequotas', quotaName, 'the quota was changed by too many writes at once; try again');
  }
}
