// Puts the bootstrap policy in place at apiserver start, as Kubernetes' RBAC post-start hook:
// a missing role or binding is created; one whose autoupdate annotation is not "false" gets the
// rules and subjects it lacks (what a user added stays); aggregated roles' rules are the
// aggregation controller's.
import { canonicalJson, errorCode, R, type ClusterRole, type ClusterRoleBinding, type KubeObject, type PolicyRule, type ResourceInfo, type Subject } from '@tinykube/api';
import type { Registry } from '../registry';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRoles } from './bootstrap-policy';

type Policy = KubeObject & { rules?: PolicyRule[]; subjects?: Subject[]; aggregationRule?: unknown };

function union<T>(have: T[] | undefined, want: T[] | undefined): { list: T[]; changed: boolean } {
  const list = [...(have ?? [])];
  const seen = new Set(list.map((x) => canonicalJson(x)));
  let changed = false;
  for (const w of want ?? []) {
    if (!seen.has(canonicalJson(w))) {
      list.push(w);
      changed = true;
    }
  }
  return { list, changed };
}

async function reconcileOne(registry: Registry, r: ResourceInfo, want: Policy): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const ns = want.metadata.namespace;
    const cur = (await registry.get(r, ns, want.metadata.name ?? '').catch((err: unknown) => {
      if (errorCode(err) === 404) return undefined;
      throw err;
    })) as Policy | undefined;
    try {
      if (!cur) {
        await registry.create(r, ns, structuredClone(want));
        return;
      }
      if (cur.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] === 'false') return;
      const next: Policy = { ...cur };
      let changed = false;
      if ('rules' in want && !want.aggregationRule) {
        const u = union(cur.rules, want.rules);
        next.rules = u.list;
        changed ||= u.changed;
      }
      if (want.aggregationRule && canonicalJson(cur.aggregationRule ?? null) !== canonicalJson(want.aggregationRule)) {
        next.aggregationRule = want.aggregationRule;
        changed = true;
      }
      if ('subjects' in want) {
        const u = union(cur.subjects, want.subjects);
        next.subjects = u.list;
        changed ||= u.changed;
      }
      const labels = { ...cur.metadata.labels, ...want.metadata.labels };
      if (canonicalJson(labels) !== canonicalJson(cur.metadata.labels ?? {})) {
        next.metadata = { ...cur.metadata, labels };
        changed = true;
      }
      if (changed) await registry.update(r, ns, want.metadata.name ?? '', next);
      return;
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
    }
  }
}

export async function reconcileBootstrapPolicy(registry: Registry): Promise<void> {
  const roles: ClusterRole[] = bootstrapClusterRoles();
  const bindings: ClusterRoleBinding[] = bootstrapClusterRoleBindings();
  const ns = bootstrapRoles();
  for (const r of roles) await reconcileOne(registry, R.clusterroles, r);
  for (const b of bindings) await reconcileOne(registry, R.clusterrolebindings, b);
  for (const r of ns.roles) await reconcileOne(registry, R.roles, r);
  for (const b of ns.bindings) await reconcileOne(registry, R.rolebindings, b);
}
