// The admission plugins the apiserver runs, in Kubernetes' order (NamespaceLifecycle first).
// Later plugins (ServiceAccount, NodeRestriction, PodSecurity, LimitRanger, ResourceQuota) go
// into this list in the places Kubernetes gives them.
import { AdmissionChain } from './admission';
import { DefaultTolerationSeconds } from './default-toleration-seconds';
import { NamespaceLifecycle, type NamespaceLookup } from './namespace-lifecycle';
import { ServiceAccountAdmission, type ServiceAccountLookup } from './service-account';

export { AdmissionChain, type AdmissionPlugin, type Attributes, type Operation } from './admission';
export type { NamespaceLookup } from './namespace-lifecycle';
export type { ServiceAccountLookup } from './service-account';

export interface AdmissionOptions {
  namespaces: NamespaceLookup;
  serviceAccounts: ServiceAccountLookup;
  /** How long a pod waits for its namespace's `default` ServiceAccount to be made (3 s). */
  defaultServiceAccountWaitMs?: number;
  /** tolerationSeconds of the not-ready/unreachable tolerations added to every pod. */
  defaultTolerationSeconds: { notReady: number; unreachable: number };
}

export function admissionChain(o: AdmissionOptions): AdmissionChain {
  return new AdmissionChain([new NamespaceLifecycle(o.namespaces), new ServiceAccountAdmission(o.serviceAccounts, o.defaultServiceAccountWaitMs), new DefaultTolerationSeconds(o.defaultTolerationSeconds)]);
}
