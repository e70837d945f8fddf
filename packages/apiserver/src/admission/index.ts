// The admission plugins the apiserver runs, in Kubernetes' order (NamespaceLifecycle first).
import { AdmissionChain } from './admission';
import { DefaultTolerationSeconds } from './default-toleration-seconds';
import { LimitRanger, type LimitRangeLookup } from './limit-ranger';
import { ResourceQuotaAdmission, type QuotaAccess } from './resource-quota';
import { NamespaceLifecycle, type NamespaceLookup } from './namespace-lifecycle';
import { NodeRestriction } from './node-restriction';
import { PodSecurity, type PodSecurityConfig } from './pod-security';
import { RbacEscalation, type RbacPolicyView } from './rbac-escalation';
import { ServiceAccountAdmission, type ServiceAccountLookup } from './service-account';

export { AdmissionChain, type AdmissionPlugin, type Attributes, type Operation } from './admission';
export type { NamespaceLookup } from './namespace-lifecycle';
export type { ServiceAccountLookup } from './service-account';
export type { RbacPolicyView } from './rbac-escalation';
export type { PodSecurityConfig } from './pod-security';
export type { LimitRangeLookup } from './limit-ranger';
export type { QuotaAccess } from './resource-quota';
export { loadAdmissionConfig } from './admission-config';

export interface AdmissionOptions {
  namespaces: NamespaceLookup;
  serviceAccounts: ServiceAccountLookup;
  /** How long a pod waits for its namespace's `default` ServiceAccount to be made (3 s). */
  defaultServiceAccountWaitMs?: number;
  /** tolerationSeconds of the not-ready/unreachable tolerations added to every pod. */
  defaultTolerationSeconds: { notReady: number; unreachable: number };
  /** What RBAC grants, for escalation prevention (set once the authorizer exists). */
  rbac?: () => RbacPolicyView | undefined;
  /** Pod Security admission's defaults and exemptions (--admission-control-config-file). */
  podSecurity?: PodSecurityConfig;
  /** The namespaces' LimitRanges, for LimitRanger. */
  limitRanges?: LimitRangeLookup;
  /** The namespaces' ResourceQuotas, read and charged by ResourceQuota admission. */
  quotas?: QuotaAccess;
}

export function admissionChain(o: AdmissionOptions): AdmissionChain {
  return new AdmissionChain([
    new NamespaceLifecycle(o.namespaces),
    ...(o.limitRanges ? [new LimitRanger(o.limitRanges)] : []),
    new ServiceAccountAdmission(o.serviceAccounts, o.defaultServiceAccountWaitMs),
    new NodeRestriction(),
    new PodSecurity(o.namespaces, o.podSecurity),
    new DefaultTolerationSeconds(o.defaultTolerationSeconds),
    new RbacEscalation(o.rbac ?? (() => undefined)),
    // Last, as in Kubernetes: only a write every other plugin let through is charged.
    ...(o.quotas ? [new ResourceQuotaAdmission(o.quotas)] : []),
  ]);
}
