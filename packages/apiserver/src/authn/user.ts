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

/** The paths Kubernetes' default RBAC lets anyone read (system:public-info-viewer). */
export function isPublicInfo(method: string, path: string): boolean {
  return method === 'GET' && /^\/(healthz|livez|readyz)(\/[^/]+)?$|^\/version$/.test(path.replace(/\/+$/, '') || '/');
}
