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
