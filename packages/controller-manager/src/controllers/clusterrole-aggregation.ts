import { canonicalJson, errorCode, R, selectorFromLabelSelector, type ClusterRole, type PolicyRule } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// Kubernetes' clusterrole-aggregation controller: a ClusterRole with an aggregationRule has as
// rules the union of the rules of every ClusterRole its selectors match (admin, edit and view
// are built this way from the system:aggregate-to-* roles and any role a user labels).

/** The rules of an aggregated role: each matching role's rules, once, in name order. */
export function aggregatedRules(role: ClusterRole, all: ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => selectorFromLabelSelector(s)).filter((s) => s !== null);
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const other of [...all].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    if (other.metadata.name === role.metadata.name || !selectors.some((s) => s.matches(other.metadata.labels))) continue;
    for (const r of other.rules ?? []) {
      const key = canonicalJson(r);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(r);
      }
    }
  }
  return out;
}

export class ClusterRoleAggregationController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('clusterrole-aggregation', { workers: 1, log: ctx.log });
    const roles = ctx.informers.get<ClusterRole>(R.clusterroles);
    // Any role's change may change what an aggregated one holds: look at every aggregated role.
    const all = (): void => {
      for (const r of roles.list()) if (r.aggregationRule) this.queue.add(r.metadata.name);
    };
    roles.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  protected async sync(name: string): Promise<void> {
    const roles = this.ctx.informers.get<ClusterRole>(R.clusterroles);
    const role = roles.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, roles.list());
    if (canonicalJson(rules) === canonicalJson(role.rules ?? [])) return;
    await this.ctx.api.update<ClusterRole>(R.clusterroles, { ...role, rules }).catch((err: unknown) => {
      if (errorCode(err) !== 404) throw err;
    });
  }
}
