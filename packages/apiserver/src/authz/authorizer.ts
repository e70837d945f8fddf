// The authorization chain of --authorization-mode (Kubernetes' default for kubeadm clusters:
// Node,RBAC): the first authorizer that allows decides; when none does, the request is a 403 in
// Kubernetes' words, with the reasons they gave.
import { errors, type Attributes } from '@tinykube/api';
import type { UserInfo } from '../authn/user';
import type { Registry } from '../registry';
import { forbiddenMessage } from './attributes';
import { NodeAuthorizer } from './node-authorizer';
import { RbacAuthorizer, type Decision } from './rbac-authorizer';

export type AuthorizationMode = 'Node' | 'RBAC' | 'AlwaysAllow';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['Node', 'RBAC', 'AlwaysAllow'];

export class Authorizer {
  readonly rbac: RbacAuthorizer;
  private readonly chain: { authorize(user: UserInfo, a: Attributes): Decision }[];

  constructor(registry: Registry, modes: readonly AuthorizationMode[]) {
    this.rbac = new RbacAuthorizer(registry);
    const node = new NodeAuthorizer(registry);
    this.chain = modes.map((m) => (m === 'Node' ? node : m === 'RBAC' ? this.rbac : { authorize: () => ({ decision: 'allow' as const, reason: '' }) }));
  }

  authorize(user: UserInfo, a: Attributes): Decision {
    const reasons: string[] = [];
    for (const z of this.chain) {
      const d = z.authorize(user, a);
      if (d.decision !== 'none') return d;
      if (d.reason) reasons.push(d.reason);
    }
    return { decision: 'deny', reason: reasons.join(', ') };
  }

  /** Throws Kubernetes' 403 unless the user may. */
  check(user: UserInfo, a: Attributes): void {
    const d = this.authorize(user, a);
    if (d.decision !== 'allow') throw errors.forbidden(forbiddenMessage(user.name, a, d.reason));
  }
}
