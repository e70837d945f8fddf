// ServiceAccounts and the authentication.k8s.io/v1 objects: TokenRequest (a ServiceAccount
// token, bound to a pod) and SelfSubjectReview (who the server thinks you are).
import type { ObjectReference } from './core';
import type { KubeObject, ObjectMeta } from './meta';

export interface ServiceAccount extends KubeObject {
  secrets?: ObjectReference[];
  imagePullSecrets?: { name?: string }[];
  /** Whether pods of this account get its token mounted (a pod's own setting wins). */
  automountServiceAccountToken?: boolean;
}

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequest {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectReference };
  status?: { token: string; expirationTimestamp: string };
}

/** Kubernetes' user.Info as the review APIs show it. */
export interface UserInfoView {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface SelfSubjectReview {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'SelfSubjectReview';
  metadata: ObjectMeta;
  status: { userInfo: UserInfoView };
}

/** The user name of a ServiceAccount: `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export interface CertificateSigningRequestCondition {
  type: 'Approved' | 'Denied' | 'Failed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** certificates.k8s.io/v1: a request for a certificate from one of the cluster's signers. */
export interface CertificateSigningRequest extends KubeObject {
  spec: {
    /** base64 of a PEM PKCS#10 request. */
    request: string;
    signerName: string;
    usages?: string[];
    expirationSeconds?: number;
    /** Who asked: set by the apiserver from the requester, never by the client. */
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  status?: { conditions?: CertificateSigningRequestCondition[]; certificate?: string };
}

/** The PEM PKCS#10 request a CertificateSigningRequest carries (base64 in spec.request). */
export function requestPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec.request, 'base64').toString('utf8');
}

/** The signers Kubernetes defines (and tinykube's controller-manager serves). */
export const SIGNERS = {
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  kubeletServing: 'kubernetes.io/kubelet-serving',
} as const;

export const KEY_USAGES = ['signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc'];

/** A bootstrap token, `<id>.<secret>` (6 and 16 of [a-z0-9]), as Kubernetes' TLS bootstrap uses it. */
export const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A Secret's `data[key]` as text, or undefined when it has none. */
export function secretText(s: { data?: Record<string, string> }, key: string): string | undefined {
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}
