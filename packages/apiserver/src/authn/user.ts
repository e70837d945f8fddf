// Who is asking, in Kubernetes' user.Info shape; and the authenticators, run in Kubernetes'
// order (x509 client certificates first; ServiceAccount and bootstrap tokens join later).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { verifiedPeer } from '@tinykube/pki';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Kubernetes' x509 authenticator: a client certificate the CA verified; CN is the user, each O a group. */
export function userFromClientCertificate(req: IncomingMessage): UserInfo | undefined {
  const peer = verifiedPeer(req.socket as TLSSocket);
  return peer && { name: peer.name, groups: [...peer.groups, 'system:authenticated'] };
}

/**
 * What a Kubernetes cluster lets anyone read: the health and version paths (RBAC's
 * system:public-info-viewer) and, as kubeadm's Role kubeadm:bootstrap-signer-clusterinfo grants
 * system:anonymous, the ConfigMap kube-public/cluster-info joining nodes discover the cluster by.
 */
export function isPublicInfo(method: string, path: string): boolean {
  return method === 'GET' && /^\/(healthz|livez|readyz|version)$|^\/api\/v1\/namespaces\/kube-public\/configmaps\/cluster-info$/.test(path.replace(/\/+$/, '') || '/');
}
