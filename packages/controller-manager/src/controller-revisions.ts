import { controllerOf, R, type ApiError, type ControllerRevision, type KubeObject, type PodTemplateSpec, type Stored } from '@tinykube/api';
import type { ControllerContext } from './controller-context';
import { ownerRef, templateHash } from './pod-util';

// The ControllerRevisions of a StatefulSet or DaemonSet: one `<name>-<hash>` per pod template,
// numbered in the order templates were used, pruned to revisionHistoryLimit. Their data is
// Kubernetes' form, a strategic merge patch replacing the template, which `kubectl rollout undo`
// applies to the owner.

export const REVISION_LABEL = 'controller-revision-hash';

export type RevisionOwner = KubeObject & { spec: { template: PodTemplateSpec; revisionHistoryLimit?: number } };

/** The revisions `owner` controls. */
export function ownedRevisions(ctx: ControllerContext, owner: KubeObject): Stored<ControllerRevision>[] {
  return ctx.informers
    .get<ControllerRevision>(R.controllerrevisions)
    .list()
    .filter((r) => r.metadata.namespace === owner.metadata.namespace && controllerOf(r)?.uid === owner.metadata.uid);
}

/**
 * Makes sure the owner's current template has its revision and returns the template's hash.
 * Back to an earlier template (rollout undo), that revision becomes the newest, as in Kubernetes.
 * Revisions beyond the history limit go, oldest first, except those whose hash `inUse` names.
 */
export async function ensureRevision(ctx: ControllerContext, owner: RevisionOwner, inUse: Set<string | undefined>): Promise<string> {
  const hash = templateHash(owner.spec.template);
  const name = `${owner.metadata.name}-${hash}`;
  const revisions = ownedRevisions(ctx, owner);
  const next = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
  const existing = revisions.find((r) => r.metadata.name === name);
  if (existing) {
    if (existing.revision !== next - 1) await ctx.api.update<ControllerRevision>(R.controllerrevisions, { ...existing, revision: next });
    return hash;
  }
  await ctx.api
    .create<ControllerRevision>(R.controllerrevisions, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      // The owner's annotations are copied (kubectl rollout history reads kubernetes.io/change-cause).
      metadata: { name, namespace: owner.metadata.namespace, labels: { ...(owner.spec.template.metadata?.labels ?? {}), [REVISION_LABEL]: hash }, annotations: { ...(owner.metadata.annotations ?? {}) }, ownerReferences: [ownerRef(owner)] },
      data: { spec: { template: { ...owner.spec.template, $patch: 'replace' } } },
      revision: next,
    })
    .catch((err: ApiError) => {
      if (err.code !== 409) throw err;
    });
  const limit = owner.spec.revisionHistoryLimit ?? 10;
  const old = revisions.filter((r) => !inUse.has(r.metadata.name.slice(owner.metadata.name!.length + 1)) && r.metadata.name !== name).sort((a, b) => a.revision - b.revision);
  for (const r of old.slice(0, Math.max(0, old.length - limit))) await ctx.api.delete(R.controllerrevisions, r.metadata.namespace, r.metadata.name).catch(() => undefined);
  return hash;
}
